/**
 * The event store on DynamoDB (DESIGN §7): one item per event, written once with a conditional put,
 * indexed by hour (`byTime`) and by correlation (`byCorrelation`), expired by TTL.
 */
import {
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import {
  ConflictError,
  normaliseEvent,
  RetryableError,
  sameContent,
  shortHash,
  ValidationError,
  type Clock,
  type EngineEvent,
  type EventStore,
  type PutResult,
} from '../core/index.js';
import { DEFAULT_RETENTION_DAYS, EVENTS_TABLE, TIME_SHARDS } from './events-table.js';
import { classifySdkError } from './sdk-errors.js';

/** An event as stored: the envelope's fields for indexes and filters, the exact event in `body`. */
export interface EventItem {
  pk: string;
  id: string;
  type: string;
  source: string;
  timestamp: string;
  correlationId?: string;
  /** The event as JSON text: exact content, and no brush with DynamoDB's 32-level nesting limit. */
  body: string;
  receivedAt: string;
  /** TTL: epoch seconds. */
  expiresAt: number;
  tpk: string;
  tsk: string;
  cpk?: string;
}

/** How an item is derived from an event besides the event itself. */
export interface ItemOptions {
  receivedAtMs: number;
  retentionDays: number;
  timeShards?: number;
}

/** The partition key of an event. */
export const eventKey = (id: string): string => `EVT#${id}`;

/** The `byTime` partition of an event: its hour and a shard chosen by its id. */
export function timePartitionKey(timestamp: string, id: string, shards = TIME_SHARDS): string {
  const hour = new Date(timestamp).toISOString().slice(0, 13);
  const shard = Number.parseInt(shortHash(id, 8), 16) % shards;
  return `${hour}#${shard}`;
}

/** The stored form of an event. */
export function toItem(event: EngineEvent, options: ItemOptions): EventItem {
  const item: EventItem = {
    pk: eventKey(event.id),
    id: event.id,
    type: event.type,
    source: event.source,
    timestamp: event.timestamp,
    body: JSON.stringify(event),
    receivedAt: new Date(options.receivedAtMs).toISOString(),
    expiresAt: Math.floor(options.receivedAtMs / 1000) + options.retentionDays * 86_400,
    tpk: timePartitionKey(event.timestamp, event.id, options.timeShards),
    tsk: `${event.timestamp}#${event.id}`,
  };
  if (event.correlationId !== undefined) {
    item.correlationId = event.correlationId;
    item.cpk = event.correlationId;
  }
  return item;
}

// Stored events were normalised on the way in; re-validating them on the way out must not invent anything.
const STORED = {
  clock: { now: () => 0 },
  ids: {
    newId: (): string => {
      throw new ValidationError('the stored event has no id', [{ path: 'id', message: 'required' }]);
    },
  },
};

/**
 * The event in a stored item (a plain object, e.g. from `unmarshall` of a stream record's NewImage).
 * @throws ValidationError when the item's `body` is not a valid event.
 */
export function fromItem(item: Record<string, unknown>): EngineEvent {
  const { body } = item;
  if (typeof body !== 'string') throw new ValidationError('the item has no "body" string', [{ path: 'body', message: 'required' }]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    throw new ValidationError(`the item's body is not JSON: ${(error as Error).message}`, [{ path: 'body', message: 'not JSON' }], { cause: error });
  }
  if (parsed === null || typeof parsed !== 'object' || typeof (parsed as { timestamp?: unknown }).timestamp !== 'string') {
    throw new ValidationError('the stored event has no timestamp', [{ path: 'body.timestamp', message: 'required' }]);
  }
  const event = normaliseEvent(parsed, STORED);
  if (item.id !== undefined && item.id !== event.id) {
    throw new ValidationError(`the item's id "${String(item.id)}" differs from its body's id "${event.id}"`, [{ path: 'id', message: 'mismatch' }]);
  }
  return event;
}

/** What the adapter is given; it reads no environment of its own. */
export interface DynamoDbEventStoreOptions {
  client: DynamoDBClient;
  tableName: string;
  /** Days until an event expires, counted from its receipt. Default 30. */
  retentionDays?: number;
  /** Receive time; injectable for tests. */
  clock?: Clock;
  timeShards?: number;
}

/**
 * `EventStore` on a DynamoDB table laid out as `EVENTS_TABLE`.
 * @example new DynamoDbEventStore({ client: new DynamoDBClient({}), tableName: 'Events' }).put(event)
 */
export class DynamoDbEventStore implements EventStore {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;
  private readonly retentionDays: number;
  private readonly clock: Clock;
  private readonly timeShards: number;

  constructor(options: DynamoDbEventStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.retentionDays = options.retentionDays ?? DEFAULT_RETENTION_DAYS;
    this.clock = options.clock ?? { now: Date.now };
    this.timeShards = options.timeShards ?? TIME_SHARDS;
  }

  /**
   * Writes the event unless its id is taken. A taken id with the same content is a duplicate;
   * with other content it is a `ConflictError`.
   * @throws ConflictError, RetryableError (throttling, server faults)
   */
  async put(event: EngineEvent): Promise<PutResult> {
    const item = toItem(event, { receivedAtMs: this.clock.now(), retentionDays: this.retentionDays, timeShards: this.timeShards });
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: marshall(item, { removeUndefinedValues: true }),
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': EVENTS_TABLE.partitionKey },
        }),
      );
      return { id: event.id, duplicate: false };
    } catch (error) {
      if (!isConditionalCheckFailure(error)) throw classifySdkError(error, `storing event ${event.id}`);
    }
    const stored = await this.get(event.id);
    // Only TTL deletes items: the id was taken a moment ago and has just expired. Trying again will store it.
    if (stored === undefined) throw new RetryableError(`event ${event.id} was stored and expired while being written again`);
    if (!sameContent(stored, event)) {
      throw new ConflictError(`an event with id ${event.id} is already stored with other content`);
    }
    return { id: event.id, duplicate: true };
  }

  /** The event with this id, read consistently so that a client sees its own write. */
  async get(id: string): Promise<EngineEvent | undefined> {
    let result;
    try {
      result = await this.client.send(
        new GetItemCommand({ TableName: this.tableName, Key: marshall({ [EVENTS_TABLE.partitionKey]: eventKey(id) }), ConsistentRead: true }),
      );
    } catch (error) {
      throw classifySdkError(error, `reading event ${id}`);
    }
    return result.Item === undefined ? undefined : fromItem(unmarshall(result.Item as Record<string, AttributeValue>));
  }
}

function isConditionalCheckFailure(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException || (error instanceof Error && error.name === 'ConditionalCheckFailedException');
}
