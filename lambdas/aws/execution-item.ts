/**
 * How an execution record is laid out in the State table (see state-table.ts): its key, the
 * `byEvent` / `byCorrelation` / `byWorkflow` / `byStatus` index keys, the record's fields, the input it was started with, and a TTL
 * that follows the event retention.
 */
import type { ExecutionRecord, ExecutionStatus, Trigger, WorkflowInput } from '../core/execution.js';
import { shortHash } from '../core/ids.js';
import { runningExecution, type StoredExecution } from '../core/ports/executions.js';
import { STATE_TABLE } from '../layout/state-table.js';

const { prefix } = STATE_TABLE;

/**
 * Outputs above this are left out of the record: the input (≤ 256 KiB) and the output must fit one
 * 400 KB item together. The execution's history in Step Functions still has the whole output.
 */
export const MAX_STORED_OUTPUT_BYTES = 64 * 1024;

/** An execution as stored. */
export interface ExecutionItem extends Omit<ExecutionRecord, 'output' | 'error' | 'redrives'> {
  pk: string;
  sk: string;
  /** JSON text: an output's nesting never meets DynamoDB's 32-level limit. */
  output?: string;
  error?: string;
  /** JSON text, as output and error are. */
  redrives?: string;
  input: string;
  replayId?: string;
  /**
   * Present while an Express start is claimed but StartExecution has not answered yet (see
   * DynamoDbExecutionStore.claim); a record without it was started.
   */
  claimId?: string;
  claimedAt?: number;
  epk: string;
  cpk: string;
  wpk: string;
  spk: string;
  esk: string;
  /** TTL, epoch seconds. */
  expiresAt: number;
}

export const executionKey = (name: string): { pk: string; sk: string } => ({ pk: `${prefix.execution}${name}`, sk: 'EXEC' });
export const eventIndexKey = (eventId: string): string => `${prefix.event}${eventId}`;
export const correlationIndexKey = (correlationId: string): string => `${prefix.correlation}${correlationId}`;
/** The listing shard of an execution: a hash of its name, so that finishing it finds the same shard. */
export const listingShard = (name: string): number => Number.parseInt(shortHash(name, 4), 16) % STATE_TABLE.listingShards;
export const workflowIndexKey = (workflowId: string, shard: number): string => `${prefix.workflow}${workflowId}#${shard}`;
export const statusIndexKey = (status: ExecutionStatus, shard: number): string => `${prefix.status}${status}#${shard}`;
/** Every index sorts by `<startedAt>#<name>`: time order, and unique. */
export const executionSortKey = (startedAt: string, name: string): string => `${startedAt}#${name}`;

/** The stored form of a trigger's execution, started (or claimed) at `startedAt`. */
export function executionItem(trigger: Trigger, startedAt: string, options: { retentionDays: number; claim?: { id: string; atMs: number } }): ExecutionItem {
  const { input } = trigger;
  const item: ExecutionItem = {
    ...executionKey(trigger.executionName),
    ...runningExecution(trigger, startedAt),
    input: JSON.stringify(input),
    epk: eventIndexKey(input.event.id),
    cpk: correlationIndexKey(input.correlationId),
    wpk: workflowIndexKey(trigger.workflowId, listingShard(trigger.executionName)),
    spk: statusIndexKey('RUNNING', listingShard(trigger.executionName)),
    esk: executionSortKey(startedAt, trigger.executionName),
    expiresAt: Math.floor(Date.parse(startedAt) / 1000) + options.retentionDays * 86_400,
  };
  if (input.replay !== undefined) item.replayId = input.replay.replayId;
  if (options.claim !== undefined) {
    item.claimId = options.claim.id;
    item.claimedAt = options.claim.atMs;
  }
  return item;
}

/** The output as stored: JSON text, or nothing when it is too large to keep beside the input. */
export function storedOutput(output: unknown): string | undefined {
  if (output === undefined) return undefined;
  const text = JSON.stringify(output);
  return Buffer.byteLength(text, 'utf8') <= MAX_STORED_OUTPUT_BYTES ? text : undefined;
}

/** The record in a stored item (a plain object, as `unmarshall` returns it). */
export function fromExecutionItem(item: Record<string, unknown>): StoredExecution {
  const record: StoredExecution = {
    name: String(item.name),
    workflowId: String(item.workflowId),
    ruleId: String(item.ruleId),
    ...(typeof item.ruleVersion === 'number' || typeof item.ruleVersion === 'string' ? { ruleVersion: item.ruleVersion } : {}),
    eventId: String(item.eventId),
    correlationId: String(item.correlationId),
    status: item.status as ExecutionStatus,
    startedAt: String(item.startedAt),
    input: typeof item.input === 'string' ? (JSON.parse(item.input) as WorkflowInput) : ({} as WorkflowInput),
  };
  if (typeof item.stoppedAt === 'string') record.stoppedAt = item.stoppedAt;
  if (typeof item.output === 'string') record.output = JSON.parse(item.output) as unknown;
  if (typeof item.error === 'string') record.error = JSON.parse(item.error) as NonNullable<ExecutionRecord['error']>;
  if (typeof item.redriveCount === 'number' && item.redriveCount > 0) record.redriveCount = item.redriveCount;
  if (typeof item.redrives === 'string') record.redrives = JSON.parse(item.redrives) as NonNullable<ExecutionRecord['redrives']>;
  return record;
}
