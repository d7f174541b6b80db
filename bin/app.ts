/**
 * The CDK app (`cdk synth`, `cdk deploy`): loads and checks the project's rules and workflows first,
 * so that a bad rule stops the synth with its file and line, then builds the engine's stack.
 */
import { App } from 'aws-cdk-lib';
import { EdweStack } from '../lib/edwe-stack.js';
import { PROJECT_ROOT } from '../lib/lambda-defaults.js';
import { defaultPaths, loadProject, ProjectError } from '../lambdas/project/load-project.js';

const app = new App();

let project;
try {
  project = loadProject(defaultPaths(PROJECT_ROOT));
} catch (error) {
  if (!(error instanceof ProjectError)) throw error;
  console.error(`The project has problems; nothing was synthesized:\n${error.message}`);
  process.exit(1);
}

// Environment-agnostic on purpose: no lookups, so synth works offline and the template deploys anywhere.
new EdweStack(app, 'EdweStack', {
  project,
  description: 'edwe: event-driven workflow engine (events in, rules matched, Step Functions workflows started)',
});
