/**
 * Correlation counters in the State table (the `CorrelationCounterStore` port): one item per active correlation,
 * `CORR#<id>` / `ACTIVITY`, with its events, its workflows (a string set), its first and last activity. Routing adds to it
 * with one `UpdateItem` per correlation an event touched; the metrics pass finds the idle ones in the sparse, keys-only
 * `byActivity` index (by shard, sorted by the minute of last activity) and removes each with a conditional `DeleteItem`
 * that answers the item, so each is observed once. Nothing scans the table. An event is counted once though its batch be
 * delivered again: each write leaves the event's tag in one of the item's `r0`…`r31` slots and is conditioned on not
 * finding it there (core's `recentEventMark`), so a redelivery fails its condition and adds nothing — one write either way.
 */
import { DeleteItemCommand, QueryCommand, UpdateItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { Clock } from '../core/clock.js';
import { shortHash } from '../core/ids.js';
import { mapBounded } from '../core/app/concurrency.js';
import { recentEventMark } from '../core/app/correlation-activity.js';
import type { ClosedCorrelation, CorrelationCounterStore, CorrelationTouch } from '../core/ports/correlation-counters.js';
import { STATE_TABLE } from '../layout/state-table.js';
import { isConditionalCheckFailure } from './conditional-check.js';
import { queryItems } from './query-items.js';
import { classifySdkError } from './sdk-errors.js';

const { partitionKey: PK, sortKey: SK, byActivity, prefix } = STATE_TABLE;
export const ACTIVITY_SK = 'ACTIVITY';
/** Writes of one event (or deletes of one round) at once. */
const CONCURRENCY = 10;
/** Kept past its last activity when no pass closes it (the schedule stopped): then DynamoDB's TTL removes it unobserved. */
const DEFAULT_KEEP_SECONDS = 86_400;

/** A correlation's activity item key. */
export const activityKey = (correlationId: string): string => `${prefix.correlation}${correlationId}`;
/** Its byActivity partition: a hash of the id, so that no one index partition takes every correlation's writes. */
export const activityShardKey = (correlationId: string): string => `${prefix.activity}${Number.parseInt(shortHash(correlationId, 4), 16) % STATE_TABLE.activityShards}`;
/** The attribute of a slot of recently counted events (`r0`…`r31`, core's `recentEventMark`). */
export const recentEventAttribute = (slot: number): string => `r${slot}`;
/** byActivity's sort key: the minute (ISO, UTC) of the last activity; it changes at most once a minute per correlation. */
export const activityMinute = (ms: number): string => new Date(ms).toISOString().slice(0, 16);

export interface DynamoDbCorrelationCountersOptions {
  client: DynamoDBClient;
  tableName: string;
  clock: Clock;
  /** Seconds an item is kept past its last activity when no pass has closed it. Default one day. */
  keepSeconds?: number;
}

/** @example await new DynamoDbCorrelationCounters({ client, tableName, clock }).record([{ correlationId: 'o-1', events: 1, workflowIds: [] }]) */
export class DynamoDbCorrelationCounters implements CorrelationCounterStore {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;
  private readonly clock: Clock;
  private readonly keepSeconds: number;

  constructor(options: DynamoDbCorrelationCountersOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.clock = options.clock;
    this.keepSeconds = options.keepSeconds ?? DEFAULT_KEEP_SECONDS;
  }

  /** @throws RetryableError when DynamoDB throttles or fails. */
  async record(touches: readonly CorrelationTouch[]): Promise<void> {
    const now = this.clock.now();
    await mapBounded(touches, CONCURRENCY, (touch) => this.add(touch, now));
  }

  /** @throws RetryableError when DynamoDB throttles or fails. */
  async closeIdle(horizonMs: number, limit: number): Promise<ClosedCorrelation[]> {
    const keys: Array<Record<string, unknown>> = [];
    // Every minute up to the horizon's own: the horizon's minute holds some still active, which the delete's condition keeps.
    for (let shard = 0; shard < STATE_TABLE.activityShards && keys.length < limit; shard++) {
      const found = queryItems(
        this.client,
        {
          TableName: this.tableName,
          IndexName: byActivity.indexName,
          KeyConditionExpression: '#apk = :apk AND #ask <= :minute',
          ExpressionAttributeNames: { '#apk': byActivity.partitionKey, '#ask': byActivity.sortKey },
          ExpressionAttributeValues: marshall({ ':apk': `${prefix.activity}${shard}`, ':minute': activityMinute(horizonMs) }),
          Limit: limit,
        },
        'reading the idle correlations',
      );
      for await (const item of found) {
        keys.push({ [PK]: item[PK], [SK]: item[SK] });
        if (keys.length >= limit) break;
      }
    }
    const closed = await mapBounded(keys, CONCURRENCY, (key) => this.closeOne(key, horizonMs));
    return closed.filter((c): c is ClosedCorrelation => c !== undefined);
  }

  /** @throws RetryableError when DynamoDB throttles or fails. */
  async countKept(): Promise<number> {
    const counts = await mapBounded(
      Array.from({ length: STATE_TABLE.activityShards }, (_, shard) => shard),
      CONCURRENCY,
      async (shard) => {
        let count = 0;
        let start: Record<string, AttributeValue> | undefined;
        do {
          try {
            const page = await this.client.send(
              new QueryCommand({
                TableName: this.tableName,
                IndexName: byActivity.indexName,
                KeyConditionExpression: '#apk = :apk',
                ExpressionAttributeNames: { '#apk': byActivity.partitionKey },
                ExpressionAttributeValues: marshall({ ':apk': `${prefix.activity}${shard}` }),
                Select: 'COUNT',
                ...(start === undefined ? {} : { ExclusiveStartKey: start }),
              }),
            );
            count += page.Count ?? 0;
            start = page.LastEvaluatedKey;
          } catch (error) {
            throw classifySdkError(error, 'counting the active correlations');
          }
        } while (start !== undefined);
        return count;
      },
    );
    return counts.reduce((a, b) => a + b, 0);
  }

  /** Adds one touch; a touch of an event the correlation counted lately (its tag in its slot) adds nothing. */
  private async add({ correlationId, events, workflowIds, eventId }: CorrelationTouch, now: number): Promise<void> {
    const withWorkflows = workflowIds.length > 0;
    const mark = eventId === undefined ? undefined : recentEventMark(eventId);
    const set = `SET correlationId = :id, firstAt = if_not_exists(firstAt, :now), lastAt = :now, #apk = :apk, #ask = :minute, #ttl = :ttl${mark === undefined ? '' : ', #seen = :tag'}`;
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall({ [PK]: activityKey(correlationId), [SK]: ACTIVITY_SK }),
          UpdateExpression: `${set} ADD events :events${withWorkflows ? ', workflows :workflows' : ''}`,
          ...(mark === undefined ? {} : { ConditionExpression: 'attribute_not_exists(#seen) OR #seen <> :tag' }),
          ExpressionAttributeNames: {
            '#apk': byActivity.partitionKey,
            '#ask': byActivity.sortKey,
            '#ttl': STATE_TABLE.ttlAttribute,
            ...(mark === undefined ? {} : { '#seen': recentEventAttribute(mark.slot) }),
          },
          ExpressionAttributeValues: marshall({
            ':id': correlationId,
            ':now': now,
            ':apk': activityShardKey(correlationId),
            ':minute': activityMinute(now),
            ':ttl': Math.floor(now / 1000) + this.keepSeconds,
            ':events': events,
            ...(withWorkflows ? { ':workflows': new Set(workflowIds) } : {}),
            ...(mark === undefined ? {} : { ':tag': mark.tag }),
          }),
        }),
      );
    } catch (error) {
      // Counted already: a redelivery of the event, not a failure.
      if (mark !== undefined && isConditionalCheckFailure(error)) return;
      throw classifySdkError(error, `counting the activity of correlation ${correlationId}`);
    }
  }

  /** Removes the item if it is still idle, answering what it held; undefined when it saw activity meanwhile or is gone. */
  private async closeOne(key: Record<string, unknown>, horizonMs: number): Promise<ClosedCorrelation | undefined> {
    let attributes;
    try {
      ({ Attributes: attributes } = await this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: marshall(key),
          ConditionExpression: 'lastAt <= :horizon',
          ExpressionAttributeValues: marshall({ ':horizon': horizonMs }),
          ReturnValues: 'ALL_OLD',
        }),
      ));
    } catch (error) {
      if (isConditionalCheckFailure(error)) return undefined;
      throw classifySdkError(error, `closing correlation ${String(key[PK])}`);
    }
    if (attributes === undefined) return undefined;
    const item = unmarshall(attributes) as { correlationId: string; firstAt: number; lastAt: number; events?: number; workflows?: Set<string> };
    return { correlationId: item.correlationId, firstMs: item.firstAt, lastMs: item.lastAt, events: item.events ?? 0, workflows: item.workflows?.size ?? 0 };
  }
}
