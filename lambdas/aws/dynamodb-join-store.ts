/**
 * Multi-event triggers in the State table: the latest event of each type per (rule, correlation)
 * under `JOIN#<ruleId>#<correlationId>` / `<eventType>`, replaced only by a newer one (a
 * conditional put), then the whole join read back to see whether it is complete.
 */
import { PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { completeJoin, joinCorrelation, joinTrigger, type Clock, type EngineEvent, type JoinStore, type Rule, type Trigger } from '../core/index.js';
import { isConditionalCheckFailure } from './conditional-check.js';
import { queryItems } from './query-items.js';
import { classifySdkError } from './sdk-errors.js';
import { STATE_TABLE } from '../layout/state-table.js';

/** A join item outlives its window by this much, so a late event of the window still finds it. */
const JOIN_GRACE_SECONDS = 86_400;

export interface DynamoDbJoinStoreOptions {
  client: DynamoDBClient;
  tableName: string;
  clock?: Clock;
}

export const joinKey = (ruleId: string, correlationId: string): string => `${STATE_TABLE.prefix.join}${ruleId}#${correlationId}`;

/**
 * `JoinStore` on the State table.
 * @example const trigger = await new DynamoDbJoinStore({ client, tableName }).offer(rule, event)
 */
export class DynamoDbJoinStore implements JoinStore {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;
  private readonly clock: Clock;

  constructor(options: DynamoDbJoinStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.clock = options.clock ?? { now: Date.now };
  }

  /**
   * Records the event for the rule's join and returns the join's trigger when the join is complete.
   * Unlike the embedded store it answers the trigger again for a redelivered or older event: the
   * start it leads to is idempotent (the name is per rule and correlation), and a start that failed
   * the first time must be made by the retry.
   * @throws RetryableError when DynamoDB throttles or fails.
   */
  async offer(rule: Rule, event: EngineEvent): Promise<Trigger | undefined> {
    if (!rule.join) return undefined;
    const correlationId = joinCorrelation(event, rule);
    if (correlationId === undefined) return undefined;
    const pk = joinKey(rule.id, correlationId);
    await this.keepNewer(pk, event, rule.join.withinMs);
    const latest = await this.read(pk);
    const events = completeJoin(rule, latest);
    // The kept event of this type is the one that completed the join, whoever delivers it again.
    return events === undefined ? undefined : joinTrigger(rule, correlationId, events, latest.get(event.type) ?? event);
  }

  private async keepNewer(pk: string, event: EngineEvent, withinMs: number): Promise<void> {
    const nowSeconds = Math.floor(this.clock.now() / 1000);
    const eventSeconds = Math.floor(Date.parse(event.timestamp) / 1000);
    const item = {
      [STATE_TABLE.partitionKey]: pk,
      [STATE_TABLE.sortKey]: event.type,
      eventId: event.id,
      timestamp: event.timestamp,
      body: JSON.stringify(event),
      [STATE_TABLE.ttlAttribute]: Math.max(nowSeconds, eventSeconds) + Math.ceil(withinMs / 1000) + JOIN_GRACE_SECONDS,
    };
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: marshall(item),
          // The same order as core's `newerThan`: later timestamp, then larger id.
          ConditionExpression: 'attribute_not_exists(#pk) OR #ts < :ts OR (#ts = :ts AND eventId < :id)',
          ExpressionAttributeNames: { '#pk': STATE_TABLE.partitionKey, '#ts': 'timestamp' },
          ExpressionAttributeValues: marshall({ ':ts': event.timestamp, ':id': event.id }),
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailure(error)) throw classifySdkError(error, `recording event ${event.id} for join ${pk}`);
    }
  }

  private async read(pk: string): Promise<Map<string, EngineEvent>> {
    const latest = new Map<string, EngineEvent>();
    const items = queryItems(
      this.client,
      {
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': STATE_TABLE.partitionKey },
        ExpressionAttributeValues: marshall({ ':pk': pk }),
        ConsistentRead: true,
      },
      `reading join ${pk}`,
    );
    for await (const item of items) {
      const kept = JSON.parse(String(item.body)) as EngineEvent;
      latest.set(kept.type, kept);
    }
    return latest;
  }
}
