/**
 * The Events table's routing marks: the router sets `routedAt` (and removes `unrouted`,
 * taking the event out of the sparse `byUnrouted` index) once an event is routed; the sweeper reads
 * that index for events stored but never routed, claims a sweep of each (counting attempts), and
 * parks the ones that keep failing. The only writes to an event item after its put.
 */
import { UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { ClaimedEvent, Clock, RoutingMarks } from '../core/index.js';
import { mapBounded } from '../core/app/concurrency.js';
import { eventKey, fromItem } from './event-item.js';
import { EVENTS_TABLE, UNROUTED_SHARDS } from '../layout/events-table.js';
import { isConditionalCheckFailure } from './conditional-check.js';
import { queryItems } from './query-items.js';
import { classifySdkError } from './sdk-errors.js';

/** What the adapter is given; it reads no environment of its own. */
export interface DynamoDbRoutingMarksOptions {
  client: DynamoDBClient;
  tableName: string;
  clock?: Clock;
  shards?: number;
}

const { partitionKey, byUnrouted, routedAttribute, sweepsAttribute, parkedAttribute } = EVENTS_TABLE;

/**
 * @example await new DynamoDbRoutingMarks({ client, tableName }).markRouted('01J…')
 */
export class DynamoDbRoutingMarks implements RoutingMarks {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;
  private readonly clock: Clock;
  private readonly shards: number;

  constructor(options: DynamoDbRoutingMarksOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.clock = options.clock ?? { now: Date.now };
    this.shards = options.shards ?? UNROUTED_SHARDS;
  }

  /**
   * Marks the event routed: `SET routedAt`, `REMOVE unrouted`. An event that is gone (expired) is left gone.
   * @throws RetryableError when DynamoDB throttles or fails.
   */
  async markRouted(eventId: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall({ [partitionKey]: eventKey(eventId) }),
          UpdateExpression: 'SET #routedAt = :now REMOVE #unrouted',
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: { '#pk': partitionKey, '#routedAt': routedAttribute, '#unrouted': byUnrouted.partitionKey },
          ExpressionAttributeValues: marshall({ ':now': this.now() }),
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailure(error)) return;
      throw classifySdkError(error, `marking event ${eventId} routed`);
    }
  }

  /**
   * Ids of events received before `cutoff` (ISO) and not routed yet, oldest first, at most `limit`:
   * every shard's oldest `limit` keys (the index holds keys only), merged by receipt.
   * The index is eventually consistent: `claimSweep` checks each against the table.
   * @throws RetryableError when DynamoDB throttles or fails.
   */
  async unrouted(cutoff: string, limit: number): Promise<string[]> {
    if (limit <= 0) return [];
    const shards = Array.from({ length: this.shards }, (_, shard) => shard);
    const perShard = await mapBounded(shards, this.shards, async (shard) => {
      const items = queryItems(
        this.client,
        {
          TableName: this.tableName,
          IndexName: byUnrouted.indexName,
          KeyConditionExpression: '#unrouted = :shard AND #receivedAt < :cutoff',
          ExpressionAttributeNames: { '#unrouted': byUnrouted.partitionKey, '#receivedAt': byUnrouted.sortKey },
          ExpressionAttributeValues: marshall({ ':shard': String(shard), ':cutoff': cutoff }),
          Limit: limit,
        },
        `reading unrouted events of shard ${shard}`,
      );
      const found: Array<{ id: string; receivedAt: string }> = [];
      for await (const item of items) {
        found.push({ id: String(item[partitionKey]).replace(/^EVT#/, ''), receivedAt: String(item[byUnrouted.sortKey]) });
        if (found.length >= limit) break;
      }
      return found;
    });
    return perShard
      .flat()
      .sort((a, b) => (a.receivedAt < b.receivedAt ? -1 : a.receivedAt > b.receivedAt ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .slice(0, limit)
      .map((entry) => entry.id);
  }

  /**
   * Claims one sweep of the event: counts the attempt and answers the event, read consistently —
   * unless it has been routed (or is gone) since the index said otherwise.
   * @throws RetryableError when DynamoDB throttles or fails; ValidationError when the item holds no valid event.
   */
  async claimSweep(eventId: string): Promise<ClaimedEvent | undefined> {
    let attributes;
    try {
      ({ Attributes: attributes } = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall({ [partitionKey]: eventKey(eventId) }),
          UpdateExpression: 'ADD #sweeps :one',
          ConditionExpression: 'attribute_exists(#pk) AND attribute_not_exists(#routedAt)',
          ExpressionAttributeNames: { '#pk': partitionKey, '#routedAt': routedAttribute, '#sweeps': sweepsAttribute },
          ExpressionAttributeValues: marshall({ ':one': 1 }),
          ReturnValues: 'ALL_NEW',
        }),
      ));
    } catch (error) {
      if (isConditionalCheckFailure(error)) return undefined;
      throw classifySdkError(error, `claiming a sweep of event ${eventId}`);
    }
    if (attributes === undefined) return undefined;
    const item = unmarshall(attributes);
    const claimed: ClaimedEvent = { event: fromItem(item), attempts: Number(item[sweepsAttribute] ?? 1) };
    if (typeof item.receivedAt === 'string') claimed.receivedAt = item.receivedAt;
    return claimed;
  }

  /**
   * Gives up on the event: out of the index (`REMOVE unrouted`), `SET parkedAt`. It stays unrouted
   * until a redrive (`edwe dlq redrive`) asks the sweeper to route it by id.
   * @throws RetryableError when DynamoDB throttles or fails.
   */
  async park(eventId: string): Promise<void> {
    await this.update(
      eventId,
      'SET #parkedAt = :now REMOVE #unrouted',
      { '#parkedAt': parkedAttribute, '#unrouted': byUnrouted.partitionKey },
      { ':now': this.now() },
      'parking',
    );
  }

  private async update(eventId: string, expression: string, names: Record<string, string>, values: Record<string, unknown>, what: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall({ [partitionKey]: eventKey(eventId) }),
          UpdateExpression: expression,
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: { '#pk': partitionKey, ...names },
          ExpressionAttributeValues: marshall(values),
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailure(error)) return;
      throw classifySdkError(error, `${what} event ${eventId}`);
    }
  }

  private now(): string {
    return new Date(this.clock.now()).toISOString();
  }
}
