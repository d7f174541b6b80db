/** CDK apps for infrastructure tests: configured like `cdk synth` (cdk.json's feature flags) but without bundling. */
import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
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

/** Matches a `Ref` to the resource whose logical id starts with `prefix`. */
export const ref = (prefix: string) => ({ Ref: Match.stringLikeRegexp(`^${prefix}`) });

/** Matches the `Arn` of the resource whose logical id starts with `prefix`. */
export const arnOf = (prefix: string) => ({ 'Fn::GetAtt': [Match.stringLikeRegexp(`^${prefix}`), 'Arn'] });

type TemplateResource = { Type: string; Properties?: Record<string, any>; DependsOn?: string | string[] };

/** The logical id of the one function whose description is `description` (task functions share a service name). */
export function functionIdByDescription(template: Template, description: string): string {
  const found = Object.entries(template.findResources('AWS::Lambda::Function')).filter(([, fn]) => fn.Properties.Description === description);
  if (found.length !== 1) throw new Error(`${found.length} functions described "${description}"`);
  return (found[0] as [string, unknown])[0];
}

/** The logical id of the one function whose Powertools service name is `service`. */
export function functionIdByService(template: Template, service: string): string {
  const found = Object.entries(template.findResources('AWS::Lambda::Function')).filter(([, fn]) => fn.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === service);
  if (found.length !== 1) throw new Error(`${found.length} functions with service name ${service}`);
  return (found[0] as [string, unknown])[0];
}

/** Every statement of every policy attached to the role of this function. */
export function statementsOfFunction(template: Template, functionId: string): Array<Record<string, any>> {
  const fn = template.findResources('AWS::Lambda::Function')[functionId] as TemplateResource;
  const role = fn.Properties?.Role['Fn::GetAtt'][0] as string;
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => (p.Properties.Roles as Array<{ Ref: string }>).some((r) => r.Ref === role))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<Record<string, any>>);
}

/** The statements of the policies attached to the role whose logical id starts with `rolePrefix`. */
export function statementsOfRole(template: Template, rolePrefix: string): Array<Record<string, unknown>> {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => (p.Properties.Roles as Array<{ Ref: string }>).some((r) => r.Ref.startsWith(rolePrefix)))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>);
}

/** A statement's actions as a list. */
export const actionsOf = (statement: Record<string, any>): string[] => [statement.Action].flat() as string[];

/**
 * A dependency cycle among the template's resources (through Ref, Fn::GetAtt, Fn::Sub and DependsOn),
 * as the logical ids around it, or undefined. CloudFormation refuses such a template at deploy time;
 * `cdk synth` does not notice.
 */
export function dependencyCycle(template: Template): string[] | undefined {
  const resources = template.toJSON().Resources as Record<string, TemplateResource>;
  const edges = new Map<string, Set<string>>();
  const collect = (value: unknown, into: Set<string>): void => {
    if (Array.isArray(value)) value.forEach((v) => collect(v, into));
    else if (value !== null && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        if (key === 'Ref' && typeof inner === 'string' && inner in resources) into.add(inner);
        else if (key === 'Fn::GetAtt' && Array.isArray(inner) && inner[0] in resources) into.add(inner[0] as string);
        else if (key === 'Fn::Sub' && typeof inner === 'string') {
          for (const [, name] of inner.matchAll(/\$\{([A-Za-z0-9]+)[.}]/g)) if (name !== undefined && name in resources) into.add(name);
        } else collect(inner, into);
      }
    }
  };
  for (const [id, resource] of Object.entries(resources)) {
    const into = new Set<string>([resource.DependsOn ?? []].flat());
    collect(resource.Properties ?? {}, into);
    edges.set(id, into);
  }
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'open') return [...path.slice(path.indexOf(id)), id];
    state.set(id, 'open');
    path.push(id);
    for (const next of edges.get(id) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const id of edges.keys()) {
    const cycle = visit(id);
    if (cycle) return cycle;
  }
  return undefined;
}
