/**
 * Replay jobs in the State table (`REPLAY#<replayId>` / `JOB`, see state-table.ts): the job's fields
 * as attributes, plus a `version` that every step bumps. A page step first claims the job (version
 * v → v+1) and then records its cursor and counts after each PutEvents batch on the condition that
 * the version is still its own, so a duplicated or retried step can never record over another.
 * Cancelling touches only `status`, so it never breaks a running step's claim: the step sees it at
 * its next write and stops.
 */
import { GetItemCommand, UpdateItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import {
  ConflictError,
  NotFoundError,
  type ReplayFailure,
  type ReplayJob,
  type ReplayJobStore,
  type ReplayProgress,
  type ReplayStatus,
  type StoredReplayJob,
} from '../core/index.js';
import { isConditionalCheckFailure, putIfAbsent } from './conditional-check.js';
import { classifySdkError } from './sdk-errors.js';
import { STATE_TABLE } from '../layout/state-table.js';

export interface DynamoDbReplayJobStoreOptions {
  client: DynamoDBClient;
  tableName: string;
}

const KEY_SK = 'JOB';
const NAMES = { '#pk': STATE_TABLE.partitionKey, '#version': 'version', '#status': 'status' };

/**
 * `ReplayJobStore` on the State table.
 * @example const store = new DynamoDbReplayJobStore({ client, tableName: 'State' }); await store.get(replayId)
 */
export class DynamoDbReplayJobStore implements ReplayJobStore {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;

  constructor(options: DynamoDbReplayJobStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
  }

  /** The key of a job's item. */
  static key(replayId: string): Record<string, AttributeValue> {
    return marshall({ [STATE_TABLE.partitionKey]: `${STATE_TABLE.prefix.replay}${replayId}`, [STATE_TABLE.sortKey]: KEY_SK });
  }

  /**
   * Records a new job at version 0; it expires (TTL) at `expiresAt` epoch seconds.
   * @throws ConflictError when the id is taken; RetryableError when DynamoDB throttles or fails.
   */
  async create(job: ReplayJob, expiresAt: number): Promise<void> {
    const item = { ...DynamoDbReplayJobStore.keyObject(job.replayId), ...job, version: 0, failures: [], [STATE_TABLE.ttlAttribute]: expiresAt };
    const target = { client: this.client, tableName: this.tableName, partitionKey: NAMES['#pk'], what: `recording replay ${job.replayId}` };
    if (!(await putIfAbsent(target, item))) throw new ConflictError(`A replay with id "${job.replayId}" already exists`);
  }

  /** The job, read consistently; `undefined` when there is none. */
  async get(replayId: string): Promise<StoredReplayJob | undefined> {
    try {
      const { Item } = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: DynamoDbReplayJobStore.key(replayId), ConsistentRead: true }));
      return Item === undefined ? undefined : fromItem(Item);
    } catch (error) {
      throw classifySdkError(error, `reading replay ${replayId}`);
    }
  }

  /** Takes the job for one step: version v → v+1 while it runs. `undefined` when another step took it first or it stopped. */
  async claim(replayId: string, version: number): Promise<StoredReplayJob | undefined> {
    return this.update(replayId, version, 'SET #version = :next', {}, true);
  }

  /** Records a step's progress under its claim (version v → v+1). `undefined` when the claim was lost. */
  async saveProgress(replayId: string, version: number, progress: ReplayProgress): Promise<StoredReplayJob | undefined> {
    const { cursor, pacedUntil, ...totals } = progress;
    const values: Record<string, unknown> = { ...totals };
    if (cursor !== undefined) values.cursor = cursor;
    if (pacedUntil !== undefined) values.pacedUntil = pacedUntil;
    const sets = Object.keys(values).map((name) => `#${name} = :${name}`);
    return this.update(replayId, version, `SET #version = :next, ${sets.join(', ')}`, values, false);
  }

  /** Ends a running job as `completed` or `failed` under the step's claim. False when it had stopped (e.g. cancelled). */
  async finish(replayId: string, version: number, status: Extract<ReplayStatus, 'completed' | 'failed'>, finishedAt: string, error?: string): Promise<boolean> {
    const values: Record<string, unknown> = { status, finishedAt, ...(error === undefined ? {} : { error }) };
    const sets = Object.keys(values).map((name) => `#${name} = :${name}`);
    return (await this.update(replayId, version, `SET #version = :next, ${sets.join(', ')}`, values, true)) !== undefined;
  }

  /**
   * Cancels a running job (its step stops at its next write or page); a job that has ended stays as it is.
   * @throws NotFoundError when there is no such job.
   */
  async cancel(replayId: string, finishedAt: string): Promise<StoredReplayJob> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: DynamoDbReplayJobStore.key(replayId),
          UpdateExpression: 'SET #status = :cancelled, #finishedAt = :finishedAt',
          ConditionExpression: 'attribute_exists(#pk) AND #status = :running',
          ExpressionAttributeNames: { '#pk': NAMES['#pk'], '#status': 'status', '#finishedAt': 'finishedAt' },
          ExpressionAttributeValues: marshall({ ':cancelled': 'cancelled', ':running': 'running', ':finishedAt': finishedAt }),
          ReturnValues: 'ALL_NEW',
        }),
      );
      return fromItem(Attributes as Record<string, AttributeValue>);
    } catch (error) {
      if (!isConditionalCheckFailure(error)) throw classifySdkError(error, `cancelling replay ${replayId}`);
    }
    const stored = await this.get(replayId);
    if (stored === undefined) throw new NotFoundError(`No replay with id "${replayId}"`);
    return stored;
  }

  private static keyObject(replayId: string): Record<string, string> {
    return { [STATE_TABLE.partitionKey]: `${STATE_TABLE.prefix.replay}${replayId}`, [STATE_TABLE.sortKey]: KEY_SK };
  }

  /** One conditional update on the step version; `undefined` when the condition failed. */
  private async update(replayId: string, version: number, expression: string, values: Record<string, unknown>, running: boolean): Promise<StoredReplayJob | undefined> {
    const names: Record<string, string> = { '#version': NAMES['#version'] };
    for (const name of Object.keys(values)) names[`#${name}`] = name;
    if (running) names['#status'] = 'status';
    const attributeValues: Record<string, unknown> = { ':version': version, ':next': version + 1, ...(running ? { ':running': 'running' } : {}) };
    for (const [name, value] of Object.entries(values)) attributeValues[`:${name}`] = value;
    try {
      const { Attributes } = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: DynamoDbReplayJobStore.key(replayId),
          UpdateExpression: expression,
          ConditionExpression: running ? '#version = :version AND #status = :running' : '#version = :version',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: marshall(attributeValues, { removeUndefinedValues: true }),
          ReturnValues: 'ALL_NEW',
        }),
      );
      return fromItem(Attributes as Record<string, AttributeValue>);
    } catch (error) {
      if (isConditionalCheckFailure(error)) return undefined;
      throw classifySdkError(error, `updating replay ${replayId}`);
    }
  }
}

/** The job in an item: the job's own fields, the step version, the failures and the pacing mark. */
function fromItem(item: Record<string, AttributeValue>): StoredReplayJob {
  const attributes = unmarshall(item) as Record<string, unknown>;
  for (const name of [STATE_TABLE.partitionKey, STATE_TABLE.sortKey, STATE_TABLE.ttlAttribute]) delete attributes[name];
  const { version, failures, pacedUntil, ...job } = attributes;
  const stored: StoredReplayJob = { job: job as unknown as ReplayJob, version: Number(version ?? 0), failures: (failures as ReplayFailure[] | undefined) ?? [] };
  if (typeof pacedUntil === 'number') stored.pacedUntil = pacedUntil;
  return stored;
}
