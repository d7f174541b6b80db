/** CDK apps for infrastructure tests: configured like `cdk synth` (cdk.json's feature flags) but without bundling. */
import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { parseEngineConfig } from '../../lambdas/core/index.js';
import type { Project } from '../../lambdas/project/load-project.js';

/** cdk.json's context, for apps and for `CDK_CONTEXT_JSON`. */
export const cdkContext = (): Record<string, unknown> =>
  (JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> }).context;

/** An app like `cdk synth`'s, that bundles no function. */
export const testApp = (): App => new App({ context: { ...cdkContext(), 'aws:cdk:bundling-stacks': [] } });

/** The project with the seed configuration given as YAML (the body under `event_driven_workflow_engine:`). */
export function withConfig(project: Project, yaml: string): Project {
  return { ...project, config: parseEngineConfig(`event_driven_workflow_engine:\n${yaml.replace(/^/gm, '  ')}`, 'edwe.config.yaml') };
}
