/**
 * The package's `edwe/cdk` entry: the engine's stack for a CDK app of the user's own, and the
 * project loader that checks the rules and workflows it is built from. Needs the optional peer
 * dependencies `aws-cdk-lib` and `constructs`; the library entry (`edwe`) never loads this file.
 *
 * @example
 * const app = new App();
 * new EdweStack(app, 'EdweStack', { project: loadProject(defaultPaths(process.cwd())) });
 */
export { EdweStack, type EdweStackProps } from './edwe-stack.js';
export { EngineConfigError } from './engine-sources.js';
export type { EngineSettings, SettingsInput } from './engine-settings.js';
export { defaultPaths, loadProject, ProjectError, type Project, type ProjectPaths } from '../lambdas/project/load-project.js';
