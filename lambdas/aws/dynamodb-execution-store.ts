/**
 * Execution records in the State table: written once per execution name with a conditional put —
 * which is also the exactly-once guard of Express starts — moved to their end state once, read by
 * name, and listed by triggering event or by correlation through the indexes.
 */
import { DeleteItemCommand, GetItemCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { randomUUID } from 'node:crypto';
// Deep imports, not core's index: the built-in task functions reach this store (field encryption), and their
// bundles keep what core's index reaches (the YAML parser of the rules).
import type { Clock } from '../core/clock.js';
import type { ExecutionRecord, Trigger } from '../core/execution.js';
import type { ExecutionListing, ExecutionQuery } from '../core/execution-query.js';
import type { ExecutionEnd, ExecutionPage, ExecutionStore, RedriveExpectation, RedriveRecords, RedriveState, StoredExecution } from '../core/ports/executions.js';
import { DEFAULT_RETENTION_DAYS } from '../layout/events-table.js';
import { executionItem, executionKey, fromExecutionItem, listingShard, statusIndexKey, type ExecutionItem } from './execution-item.js';
import { listIndexedExecutions, listRecentExecutions } from './execution-listing.js';
import { type ConditionalUpdate, finishUpdate, type OwnUpdate, redriveUpdate } from './execution-updates.js';
import { isConditionalCheckFailure, putIfAbsent, putWhen } from './conditional-check.js';
import { classifySdkError } from './sdk-errors.js';
import { STATE_TABLE } from '../layout/state-table.js';

// The port's types, for the callers that import them from here.
export { toApiExecution, type ExecutionEnd, type ExecutionPage, type StoredExecution } from '../core/ports/executions.js';

export interface DynamoDbExecutionStoreOptions {
  client: DynamoDBClient;
  tableName: string;
  /** Days a record is kept after its start (the event retention). Default 30. */
  retentionDays?: number;
  clock?: Clock;
  /** How long an unconfirmed Express claim keeps others away before it counts as abandoned. Default 5 minutes. */
  claimLeaseMs?: number;
  /** Claim ids; injectable for tests. */
  newClaimId?: () => string;
}

/**
 * What `claim` found: the start is ours to make, was already made, or is being made by someone else
 * right now — or, when the claim was asked not to look (`lookup: false`), that a record exists (`taken`).
 */
export type ClaimOutcome = { kind: 'claimed'; claimId: string } | { kind: 'started' } | { kind: 'busy' } | { kind: 'taken' };

/** How a claim is made. */
export interface ClaimOptions {
  /**
   * Whether to read an existing record to tell started from busy, and take over an abandoned claim.
   * Default true. The ingest's fast path claims without reading (it may not read the State table):
   * an existing record is then simply `taken`, left to the stream's router.
   */
  lookup?: boolean;
}

/**
 * The exactly-once guard of Express starts, which Step Functions does not deduplicate by name: a
 * claim on the execution's record before StartExecution, confirmed or released after it.
 */
export interface ExpressClaims {
  claim(trigger: Trigger, startedAt: string, options?: ClaimOptions): Promise<ClaimOutcome>;
  confirm(name: string, claimId: string): Promise<void>;
  release(name: string, claimId: string): Promise<void>;
}

/**
 * @example const store = new DynamoDbExecutionStore({ client, tableName: 'State' }); await store.record(trigger, startedAt)
 */
export class DynamoDbExecutionStore implements ExecutionStore, RedriveRecords, ExpressClaims {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;
  private readonly retentionDays: number;
  private readonly clock: Clock;
  private readonly claimLeaseMs: number;
  private readonly newClaimId: () => string;

  constructor(options: DynamoDbExecutionStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.retentionDays = options.retentionDays ?? DEFAULT_RETENTION_DAYS;
    this.clock = options.clock ?? { now: () => Date.now() };
    this.claimLeaseMs = options.claimLeaseMs ?? 5 * 60_000;
    this.newClaimId = options.newClaimId ?? (() => `${this.clock.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`);
  }

  /**
   * Records a started execution unless a record of that name exists. False when it did: a
   * redelivered start, or the lifecycle handler got there first.
   * @throws RetryableError when DynamoDB throttles or fails.
   */
  async record(trigger: Trigger, startedAt: string): Promise<boolean> {
    const item = executionItem(trigger, startedAt, { retentionDays: this.retentionDays });
    return (await this.putNew(item, trigger.executionName)) || this.takeOver(item, trigger.executionName);
  }

  /**
   * Records a QUEUED execution (a trigger flow control holds) unless a record of that name exists; `record` (or an
   * Express `claim`) takes it over when it starts, `finish` drops it.
   * @throws RetryableError when DynamoDB throttles or fails.
   */
  async hold(trigger: Trigger, queuedAt: string): Promise<boolean> {
    const item = executionItem(trigger, queuedAt, { retentionDays: this.retentionDays });
    return this.putNew({ ...item, status: 'QUEUED', spk: statusIndexKey('QUEUED', listingShard(trigger.executionName)) }, trigger.executionName);
  }

  /**
   * The exactly-once guard of an Express start, made before StartExecution: a new record claims the
   * start. An existing one means it was started (`started`), or is being started by another
   * invocation (`busy`); a claim older than the lease was abandoned by a crashed invocation and is
   * taken over.
   */
  async claim(trigger: Trigger, startedAt: string, options: ClaimOptions = {}): Promise<ClaimOutcome> {
    const claimId = this.newClaimId();
    const item = executionItem(trigger, startedAt, { retentionDays: this.retentionDays, claim: { id: claimId, atMs: this.clock.now() } });
    if ((await this.putNew(item, trigger.executionName)) || (await this.takeOver(item, trigger.executionName))) return { kind: 'claimed', claimId };
    if (options.lookup === false) return { kind: 'taken' };
    const existing = await this.rawGet(trigger.executionName);
    if (existing === undefined) return { kind: 'busy' };
    if (typeof existing.claimId !== 'string') return { kind: 'started' };
    if (Number(existing.claimedAt) + this.claimLeaseMs > this.clock.now()) return { kind: 'busy' };
    const taken = await this.update(trigger.executionName, {
      UpdateExpression: 'SET claimId = :new, claimedAt = :now',
      ConditionExpression: 'claimId = :old',
      ExpressionAttributeValues: marshall({ ':new': claimId, ':now': this.clock.now(), ':old': existing.claimId }),
    });
    return taken ? { kind: 'claimed', claimId } : { kind: 'busy' };
  }

  /** StartExecution answered: the claimed record is now a started execution. */
  async confirm(name: string, claimId: string): Promise<void> {
    await this.update(name, {
      UpdateExpression: 'REMOVE claimId, claimedAt',
      ConditionExpression: 'claimId = :id',
      ExpressionAttributeValues: marshall({ ':id': claimId }),
    });
  }

  /** StartExecution failed: the claim is withdrawn, so that the retried record claims and starts again. */
  async release(name: string, claimId: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: marshall(executionKey(name)),
          ConditionExpression: 'claimId = :id',
          ExpressionAttributeValues: marshall({ ':id': claimId }),
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailure(error)) throw classifySdkError(error, `releasing the claim on ${name}`);
    }
  }

  /**
   * Moves a running execution to its end state; false when the record is missing or already ended
   * (a finished record never goes back, and a late duplicate changes nothing).
   */
  async finish(name: string, end: ExecutionEnd): Promise<boolean> {
    return this.updateOwn(name, finishUpdate(name, end, randomUUID()));
  }

  /** Ends a QUEUED record (a held trigger dropped); false when it started, ended or is missing (ConditionalCheckFailed). */
  async finishIfQueued(name: string, end: ExecutionEnd): Promise<boolean> {
    return this.updateOwn(name, finishUpdate(name, end, randomUUID(), { queuedOnly: true }));
  }

  /**
   * Writes the redrive count, history and status when the record is as expected (a never-redriven record has no
   * count: 0); false when it is not, or is missing. The status index key moves with the status.
   */
  async setRedrive(name: string, expected: RedriveExpectation, next: RedriveState): Promise<boolean> {
    return this.updateOwn(name, redriveUpdate(name, expected, next));
  }

  /** The execution of this name (claims included), read consistently. */
  async get(name: string): Promise<StoredExecution | undefined> {
    const item = await this.rawGet(name);
    return item === undefined ? undefined : fromExecutionItem(item);
  }

  /**
   * One page of executions of an event or a correlation, in (startedAt, name) order, narrowed by
   * workflow and status. The indexes are eventually consistent: a record written a moment ago may be missing.
   */
  list(query: ExecutionQuery): Promise<ExecutionPage> {
    return listIndexedExecutions(this.client, this.tableName, query);
  }

  /** Every execution by workflow, status and start time, newest first, from the sharded sparse indexes (see execution-listing.ts). */
  recent(listing: ExecutionListing): Promise<ExecutionPage> {
    return listRecentExecutions(this.client, this.tableName, listing);
  }

  /** A correlation's executions (its first 1,000), for its timeline. */
  async byCorrelation(correlationId: string): Promise<ExecutionRecord[]> {
    return (await this.list({ correlationId, limit: 1000 })).executions;
  }

  private async putNew(item: ExecutionItem, name: string): Promise<boolean> {
    if (await putIfAbsent({ client: this.client, tableName: this.tableName, partitionKey: STATE_TABLE.partitionKey, what: `recording execution ${name}` }, item)) return true;
    return this.wroteItself(item, name);
  }

  /**
   * Whether the record is `item` as this store wrote it. The SDK retries a put whose answer was lost (a timeout after
   * it reached the table): the retry then fails its condition on the item its own first attempt wrote. That is this
   * write, not someone else's.
   */
  private async wroteItself(item: ExecutionItem, name: string): Promise<boolean> {
    const existing = await this.rawGet(name);
    return (
      existing !== undefined && existing.status === item.status && existing.claimId === item.claimId && existing.startedAt === item.startedAt && existing.input === item.input
    );
  }

  /**
   * Replaces a QUEUED record (a trigger flow control held) with `item`, its start: false when the record is not QUEUED
   * (started already, or dropped). The whole item is written, so its start time, input and index keys are the start's.
   */
  private async takeOver(item: ExecutionItem, name: string): Promise<boolean> {
    const target = { client: this.client, tableName: this.tableName, what: `starting held execution ${name}` };
    const condition = {
      ConditionExpression: '#status = :queued',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: marshall({ ':queued': 'QUEUED' }),
    };
    return (await putWhen(target, item, condition)) || this.wroteItself(item, name);
  }

  private async rawGet(name: string): Promise<Record<string, unknown> | undefined> {
    try {
      const { Item } = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: marshall(executionKey(name)), ConsistentRead: true }));
      return Item === undefined ? undefined : unmarshall(Item);
    } catch (error) {
      throw classifySdkError(error, `reading execution ${name}`);
    }
  }

  /** A conditional update; false when the condition did not hold. */
  private async update(name: string, expression: ConditionalUpdate): Promise<boolean> {
    try {
      await this.client.send(new UpdateItemCommand({ TableName: this.tableName, Key: marshall(executionKey(name)), ...expression }));
      return true;
    } catch (error) {
      if (isConditionalCheckFailure(error)) return false;
      throw classifySdkError(error, `updating execution ${name}`);
    }
  }

  /** `update`, true too when its condition failed on what its own first attempt wrote (the SDK retried it). */
  private async updateOwn(name: string, own: OwnUpdate): Promise<boolean> {
    return (await this.update(name, own.update)) || own.wroteItself(await this.rawGet(name));
  }
}
