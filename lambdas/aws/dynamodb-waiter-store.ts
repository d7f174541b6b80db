/**
 * Waiters of the built-in `wait-for-event` task in the State table: `WAIT#<correlationId>` /
 * `<eventType>#<tokenHash>`, holding the task token, the optional pattern and a TTL at the wait's
 * end. Found by (correlationId, event type) when an event is routed.
 */
import { DeleteItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
// Deep imports, not core's index: the built-in tasks load this lazily (see event-item.ts).
import type { EngineEvent } from '../core/envelope.js';
import { shortHash } from '../core/ids.js';
import { compilePattern } from '../core/pattern/compile.js';
import type { StoredWaiter, WaiterRequest, WaiterStore } from '../core/ports/waiters.js';
import { queryItems } from './query-items.js';
import { classifySdkError } from './sdk-errors.js';
import { STATE_TABLE } from '../layout/state-table.js';

export interface DynamoDbWaiterStoreOptions {
  client: DynamoDBClient;
  tableName: string;
}

export const waiterKey = (correlationId: string, eventType: string, token: string): { pk: string; sk: string } => ({
  pk: `${STATE_TABLE.prefix.waiter}${correlationId}`,
  sk: `${eventType}#${shortHash(token, 32)}`,
});

/**
 * `WaiterStore` on the State table; a stored waiter's `key` is its sort key.
 * @example await new DynamoDbWaiterStore({ client, tableName }).add({ token, correlationId, eventType, expiresAt })
 */
export class DynamoDbWaiterStore implements WaiterStore {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;

  constructor(options: DynamoDbWaiterStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
  }

  /** Stores a waiter (again, harmlessly, when a task is retried with the same token). */
  async add(request: WaiterRequest): Promise<StoredWaiter> {
    const key = waiterKey(request.correlationId, request.eventType, request.token);
    const item: Record<string, unknown> = {
      ...key,
      token: request.token,
      correlationId: request.correlationId,
      eventType: request.eventType,
      [STATE_TABLE.ttlAttribute]: Math.ceil(Date.parse(request.expiresAt) / 1000),
    };
    if (request.pattern !== undefined) item.pattern = JSON.stringify(request.pattern);
    try {
      await this.client.send(new PutItemCommand({ TableName: this.tableName, Item: marshall(item) }));
    } catch (error) {
      throw classifySdkError(error, `registering a waiter for ${request.eventType} in ${request.correlationId}`);
    }
    return { token: request.token, correlationId: request.correlationId, key: key.sk };
  }

  /**
   * The live waiters this event satisfies: same correlationId, same type, not expired (TTL deletes
   * lazily), pattern matched. An event without a correlationId wakes nobody.
   */
  async matching(event: EngineEvent, nowMs: number): Promise<StoredWaiter[]> {
    if (event.correlationId === undefined) return [];
    const nowSeconds = Math.floor(nowMs / 1000);
    const found: StoredWaiter[] = [];
    const items = queryItems(
      this.client,
      {
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :type)',
        ExpressionAttributeNames: { '#pk': STATE_TABLE.partitionKey, '#sk': STATE_TABLE.sortKey },
        ExpressionAttributeValues: marshall({ ':pk': `${STATE_TABLE.prefix.waiter}${event.correlationId}`, ':type': `${event.type}#` }),
        ConsistentRead: true,
      },
      `reading the waiters of ${event.correlationId}`,
    );
    for await (const item of items) {
      // `a#b` waiters share the `a#` prefix with `a` waiters: the stored type decides.
      if (item.eventType !== event.type || Number(item[STATE_TABLE.ttlAttribute]) <= nowSeconds) continue;
      if (typeof item.pattern === 'string' && !compilePattern(JSON.parse(item.pattern)).matches(event)) continue;
      found.push({ token: String(item.token), correlationId: event.correlationId, key: String(item[STATE_TABLE.sortKey]) });
    }
    return found;
  }

  /** Deletes a waiter (nothing happens when it is already gone). */
  async remove(waiter: StoredWaiter): Promise<void> {
    try {
      await this.client.send(
        new DeleteItemCommand({ TableName: this.tableName, Key: marshall({ pk: `${STATE_TABLE.prefix.waiter}${waiter.correlationId}`, sk: waiter.key }) }),
      );
    } catch (error) {
      throw classifySdkError(error, `deleting a waiter of ${waiter.correlationId}`);
    }
  }
}
