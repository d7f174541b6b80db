/** The package's main entry: the embedded engine as a library. */
export { createEngine, type Engine, type EventDrivenEngineConfig, type ExecutionResult, type ReplayResult, type TriggerRule, type Event } from './create-engine.js';
export type { EngineEvent } from '../core/index.js';
