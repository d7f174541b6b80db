/**
 * The engine's pure domain: envelope, rules, routing and execution planning.
 * Imports no AWS SDK and no middy, and never reads the environment: both homes (AWS and embedded) build on it.
 */
export * from './errors.js';
export * from './clock.js';
export * from './ids.js';
export * from './envelope.js';
export { pruneDeepJson, structureProblem, TOO_DEEP_MARKER, type StructureProblem } from './json-limits.js';
export * from './ports/index.js';
export * from './metric-names.js';
export * from './execution.js';
export * from './workflows.js';
export * from './task-keys.js';
export * from './rules/types.js';
export { compileRules, byPriorityThenId } from './rules/rule-set.js';
export { parseRules, RuleFileError, formatIssue, type RuleFileIssue } from './rules/parse.js';
export * from './http.js';
export { compileRuleMatcher, explainRoute, describeCondition } from './rules/rule-set.js';
export { parseRulesFile, parseEngineConfig, parseEngineConfigValue, seedIdGenerator, SEED_ROOT_KEY, type RulesFile } from './rules/parse.js';
export { conditionsToPattern, conditionPattern, conditionLeaf, conditionValueProblem, containsWildcard, isConditionOp } from './rules/conditions.js';
export { fieldSegments, compileFieldReader, fieldPathProblem, normaliseCorrelateBy, ENVELOPE_FIELDS, type FieldReader } from './rules/field-path.js';
export { CORRELATION_KEY, MAX_FLOW_LIMIT, FLOW_CONTROL_KEYS, type FlowControlSpec } from './rules/flow-control.js';
export { encryptedFieldUses, type EncryptedFieldUse } from './rules/encrypted-fields.js';
export * from './config/engine-config.js';
export * from './sources.js';
export * from './query.js';
export * from './lifecycle.js';
export * from './pattern/index.js';
export * from './timeline.js';
export * from './replay.js';
export * from './join.js';
export * from './execution-query.js';
export * from './access.js';
export * from './app/index.js';
export * from './field-encryption.js';
