/**
 * From a routed event to the executions it starts: deterministic names (exactly-once starts)
 * and the workflow input (see docs/workflows.md).
 */
import type { EngineEvent } from './envelope.js';
import { shortHash } from './ids.js';
import { compileFieldReader } from './rules/field-path.js';
import type { Rule } from './rules/types.js';

/** Step Functions' status words, plus the engine's `QUEUED`: a trigger flow control holds (see docs/rules.md, "Flow control"). */
export type ExecutionStatus = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** The input every triggered workflow receives. */
export interface WorkflowInput {
  event: EngineEvent;
  rule: { id: string; priority: number };
  correlationId: string;
  replay?: { replayId: string };
  /** For a multi-event trigger: every joined event, in the rule's type order. */
  events?: EngineEvent[];
}

/** One execution to start: which workflow, under which name, with which input. */
export interface Trigger {
  workflowId: string;
  ruleId: string;
  executionName: string;
  input: WorkflowInput;
}

/** An execution as the API shows it (see README.md, HTTP API). */
export interface ExecutionRecord {
  name: string;
  workflowId: string;
  ruleId: string;
  eventId: string;
  correlationId: string;
  status: ExecutionStatus;
  startedAt: string;
  stoppedAt?: string;
  output?: unknown;
  error?: { error: string; cause?: string };
  /** The states it passed through, where the home records them (the embedded runner does; on AWS, Step Functions keeps the history). */
  states?: StateStep[];
}

/** One state an execution passed through: entered, and exited (or failed) unless it is still there. */
export interface StateStep {
  name: string;
  enteredAt: string;
  exitedAt?: string;
  status?: 'SUCCEEDED' | 'FAILED';
}

const MAX_NAME = 80;
const HASH_LENGTH = 16;

/**
 * `<ruleId>-<hash(eventId)>` (plus the replay id's hash for replays), at most 80 characters,
 * so a redelivered stream record can never start a second execution.
 */
export function executionName(ruleId: string, eventId: string, replayId?: string): string {
  const key = replayId === undefined ? eventId : `${eventId}\u0000${replayId}`;
  const suffix = replayId === undefined ? shortHash(key, HASH_LENGTH) : `r-${shortHash(key, HASH_LENGTH)}`;
  const room = MAX_NAME - suffix.length - 1;
  return `${ruleId.slice(0, room)}-${suffix}`;
}

/** The correlationId of an execution: the event's, else the rule's `correlateBy`, else the event id. */
export function correlationIdFor(event: EngineEvent, rule: Rule): string {
  if (event.correlationId !== undefined) return event.correlationId;
  if (rule.correlateBy !== undefined) {
    const value = compileFieldReader(rule.correlateBy)(event);
    if (typeof value === 'string' && value !== '') return value;
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  }
  return event.id;
}

/** The executions that the matched rules start for this event, in firing order. */
export function planTriggers(event: EngineEvent, rules: readonly Rule[], replayId?: string): Trigger[] {
  // Multi-event rules start nothing per event: they fire when their join completes (see join.ts).
  return rules
    .filter((rule) => rule.join === undefined)
    .map((rule) => {
      const input: WorkflowInput = {
        event,
        rule: { id: rule.id, priority: rule.priority },
        correlationId: correlationIdFor(event, rule),
      };
      if (replayId !== undefined) input.replay = { replayId };
      return { workflowId: rule.workflow, ruleId: rule.id, executionName: executionName(rule.id, event.id, replayId), input };
    });
}
