/**
 * The engine's pure domain: envelope, rules, routing and execution planning.
 * Imports no AWS SDK and no middy, and never reads the environment: both homes (AWS and embedded) build on it.
 */
export * from './errors.js';
export * from './clock.js';
export * from './ids.js';
export * from './envelope.js';
export * from './ports.js';
export * from './execution.js';
export * from './workflows.js';
export * from './rules/types.js';
export { compileRules, byPriorityThenId } from './rules/rule-set.js';
export { parseRules, RuleFileError, formatIssue, type RuleFileIssue } from './rules/parse.js';
export * from './http.js';
