/**
 * The CDK app (`cdk synth`, `cdk deploy`): loads and checks the project's rules, workflows and seed
 * configuration (`rules/edwe.config.yaml`, `event_driven_workflow_engine:`) first, so that a bad rule
 * or setting stops the synth with its file, line and key, then builds the engine's stack.
 */
import { App } from 'aws-cdk-lib';
import { EdweStack } from '../lib/edwe-stack.js';
import { EngineConfigError } from '../lib/engine-sources.js';
import { PROJECT_ROOT } from '../lib/lambda-defaults.js';
import { defaultPaths, loadProject, ProjectError } from '../lambdas/project/load-project.js';

const app = new App();
// Another project directory (rules/, workflows/, workflows/tasks/) with `cdk synth -c edwe:projectDir=…`.
const projectDir = (app.node.tryGetContext('edwe:projectDir') as string | undefined) ?? PROJECT_ROOT;

let project;
try {
  project = loadProject(defaultPaths(projectDir));
} catch (error) {
  if (!(error instanceof ProjectError)) throw error;
  console.error(`The project has problems; nothing was synthesized:\n${error.message}`);
  process.exit(1);
}

// Environment-agnostic on purpose: no lookups, so synth works offline and the template deploys anywhere.
try {
  new EdweStack(app, 'EdweStack', {
    project,
    description: 'edwe: event-driven workflow engine (events in, rules matched, Step Functions workflows started)',
  });
} catch (error) {
  if (!(error instanceof EngineConfigError)) throw error;
  console.error(`${error.message}\nNothing was synthesized.`);
  process.exit(1);
}
