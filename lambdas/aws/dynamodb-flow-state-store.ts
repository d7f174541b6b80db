/**
 * Flow control's state in the State table (the `FlowStateStore` port): each bucket (rule, key) is one partition —
 * its state under sort key `state` with a version for compare-and-set, its waiting triggers under `q#<position>` —
 * and an event's skips are one partition of their own. Every call is one conditional single-item write, one
 * consistent GetItem or one Query of one partition: nothing scans, nothing needs a transaction.
 */
import { DeleteItemCommand, GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { Clock, FlowKey, FlowSkip, FlowState, FlowStateStore, QueuedTrigger, VersionedFlowState } from '../core/index.js';
import { STATE_TABLE } from '../layout/state-table.js';
import { isConditionalCheckFailure } from './conditional-check.js';
import { queryItems } from './query-items.js';
import { classifySdkError } from './sdk-errors.js';

const { partitionKey: PK, sortKey: SK } = STATE_TABLE;
const STATE_SK = 'state';
const QUEUE_PREFIX = 'q#';
/** Queue entries removed at once. */
const REMOVE_CONCURRENCY = 10;

/**
 * A bucket's partition: the prefix and the JSON of `[ruleId, key]`, which no other (rule, key) pair shares — a key may
 * hold any character, `#` included — and which never starts like an event's skips (`FLOW#skip#…`).
 */
export const flowBucketKey = ({ ruleId, key }: FlowKey): string => `${STATE_TABLE.prefix.flow}${JSON.stringify([ruleId, key])}`;
/** An event's skips' partition. */
export const flowSkipsKey = (eventId: string): string => `${STATE_TABLE.prefix.flow}skip#${eventId}`;

export interface DynamoDbFlowStateStoreOptions {
  client: DynamoDBClient;
  tableName: string;
  /** Days a noted skip is kept (the event retention): the routing explanation of an expired event has nothing to show. */
  retentionDays: number;
  clock: Clock;
}

/**
 * `FlowStateStore` on the State table. States and queued triggers have no expiry: an idle bucket is cleared by the
 * application, and a waiting trigger must not vanish; skips expire with their event.
 * @example const ok = await new DynamoDbFlowStateStore({ client, tableName, retentionDays: 30, clock }).write(bucket, state, 0)
 */
export class DynamoDbFlowStateStore implements FlowStateStore {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;
  private readonly retentionDays: number;
  private readonly clock: Clock;

  constructor(options: DynamoDbFlowStateStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.retentionDays = options.retentionDays;
    this.clock = options.clock;
  }

  async read(bucket: FlowKey): Promise<VersionedFlowState | undefined> {
    let item;
    try {
      ({ Item: item } = await this.client.send(
        new GetItemCommand({ TableName: this.tableName, Key: marshall({ [PK]: flowBucketKey(bucket), [SK]: STATE_SK }), ConsistentRead: true }),
      ));
    } catch (error) {
      throw classifySdkError(error, `reading the flow-control state of ${describe(bucket)}`);
    }
    if (item === undefined) return undefined;
    const { state, version } = unmarshall(item) as { state: string; version: number };
    return { state: JSON.parse(state) as FlowState, version };
  }

  /** @throws RetryableError when DynamoDB throttles or fails. */
  async write(bucket: FlowKey, state: FlowState, expected: number): Promise<boolean> {
    const item = { [PK]: flowBucketKey(bucket), [SK]: STATE_SK, state: JSON.stringify(state), version: expected + 1 };
    return this.conditionally(
      `writing the flow-control state of ${describe(bucket)}`,
      new PutItemCommand({
        TableName: this.tableName,
        Item: marshall(item),
        ...(expected === 0
          ? { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': PK } }
          : { ConditionExpression: 'version = :expected', ExpressionAttributeValues: marshall({ ':expected': expected }) }),
      }),
    );
  }

  /** @throws RetryableError when DynamoDB throttles or fails. */
  clear(bucket: FlowKey, expected: number): Promise<boolean> {
    return this.conditionally(
      `clearing the flow-control state of ${describe(bucket)}`,
      new DeleteItemCommand({
        TableName: this.tableName,
        Key: marshall({ [PK]: flowBucketKey(bucket), [SK]: STATE_SK }),
        ConditionExpression: 'version = :expected',
        ExpressionAttributeValues: marshall({ ':expected': expected }),
      }),
    );
  }

  /** @throws RetryableError when DynamoDB throttles or fails. */
  enqueue(bucket: FlowKey, entry: QueuedTrigger): Promise<boolean> {
    const item = { [PK]: flowBucketKey(bucket), [SK]: `${QUEUE_PREFIX}${entry.position}`, entry: JSON.stringify(entry) };
    return this.conditionally(
      `queueing event ${entry.trigger.input.event.id} in ${describe(bucket)}`,
      new PutItemCommand({ TableName: this.tableName, Item: marshall(item), ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': PK } }),
    );
  }

  async peek(bucket: FlowKey, limit: number): Promise<QueuedTrigger[]> {
    const entries: QueuedTrigger[] = [];
    if (limit <= 0) return entries;
    const items = queryItems(
      this.client,
      {
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :queue)',
        ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
        ExpressionAttributeValues: marshall({ ':pk': flowBucketKey(bucket), ':queue': QUEUE_PREFIX }),
        ConsistentRead: true,
        Limit: limit,
      },
      `reading the queue of ${describe(bucket)}`,
    );
    for await (const item of items) {
      entries.push(JSON.parse(item.entry as string) as QueuedTrigger);
      if (entries.length >= limit) break;
    }
    return entries;
  }

  /** @throws RetryableError when DynamoDB throttles or fails (the positions removed before stay removed). */
  async remove(bucket: FlowKey, positions: readonly string[]): Promise<void> {
    const pending = [...new Set(positions)];
    const removeOne = async (position: string): Promise<void> => {
      try {
        await this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: marshall({ [PK]: flowBucketKey(bucket), [SK]: `${QUEUE_PREFIX}${position}` }) }));
      } catch (error) {
        throw classifySdkError(error, `removing ${position} from the queue of ${describe(bucket)}`);
      }
    };
    const worker = async (): Promise<void> => {
      for (let position = pending.shift(); position !== undefined; position = pending.shift()) await removeOne(position);
    };
    await Promise.all(Array.from({ length: Math.min(REMOVE_CONCURRENCY, pending.length) }, worker));
  }

  /** @throws RetryableError when DynamoDB throttles or fails. */
  async noteSkip(skip: FlowSkip): Promise<void> {
    const expiresAt = Math.floor(this.clock.now() / 1000) + this.retentionDays * 86_400;
    const item = { [PK]: flowSkipsKey(skip.eventId), [SK]: skip.ruleId, reason: skip.reason, [STATE_TABLE.ttlAttribute]: expiresAt };
    // Once per event and rule: a later note of the same pair keeps the first reason, as a repeated routing notes the same one.
    await this.conditionally(
      `noting that rule ${skip.ruleId} skipped event ${skip.eventId}`,
      new PutItemCommand({ TableName: this.tableName, Item: marshall(item), ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': PK } }),
    );
  }

  async skipsFor(eventId: string): Promise<FlowSkip[]> {
    const skips: FlowSkip[] = [];
    const items = queryItems(
      this.client,
      {
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': PK },
        ExpressionAttributeValues: marshall({ ':pk': flowSkipsKey(eventId) }),
      },
      `reading the flow-control skips of event ${eventId}`,
    );
    for await (const item of items) skips.push({ eventId, ruleId: item[SK] as string, reason: item.reason as FlowSkip['reason'] });
    return skips;
  }

  /** Sends a conditional write: true when it was made, false when its condition did not hold. */
  private async conditionally(what: string, command: PutItemCommand | DeleteItemCommand): Promise<boolean> {
    try {
      await this.client.send(command as PutItemCommand);
      return true;
    } catch (error) {
      if (isConditionalCheckFailure(error)) return false;
      throw classifySdkError(error, what);
    }
  }
}

const describe = ({ ruleId, key }: FlowKey): string => `rule ${ruleId}, key ${JSON.stringify(key)}`;
