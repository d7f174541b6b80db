/**
 * How an event is laid out as an item of the Events table: its key, the envelope fields
 * the indexes and filters read, the exact event as JSON, the TTL, and the `byTime` / `byCorrelation` keys.
 */
// Deep imports, not core's index: the built-in tasks load this lazily, and esbuild keeps all a lazily loaded module reaches.
import { normaliseEvent, type EngineEvent } from '../core/envelope.js';
import { ValidationError } from '../core/errors.js';
import { shortHash } from '../core/ids.js';
import { EVENT_KEY_PREFIX, TIME_SHARDS, UNROUTED_SHARDS } from '../layout/events-table.js';

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
  /** The `byUnrouted` shard while the event waits to be routed; the router removes it (see EVENTS_TABLE.byUnrouted). */
  unrouted?: string;
}

/** How an item is derived from an event besides the event itself. */
export interface ItemOptions {
  receivedAtMs: number;
  retentionDays: number;
  timeShards?: number;
}

/** The partition key of an event. */
export const eventKey = (id: string): string => `${EVENT_KEY_PREFIX}${id}`;

/** The hour bucket of a timestamp as the `byTime` index names it: `yyyy-mm-ddThh`. */
export const hourOf = (timestamp: string): string => new Date(timestamp).toISOString().slice(0, 13);

/** The `byTime` partition of an event: its hour and a shard chosen by its id. */
export function timePartitionKey(timestamp: string, id: string, shards = TIME_SHARDS): string {
  return `${hourOf(timestamp)}#${timeShardOf(id, shards)}`;
}

/** The shard of an event id, stable across deployments (a hash, not a random pick). */
export const timeShardOf = (id: string, shards = TIME_SHARDS): number => Number.parseInt(shortHash(id, 8), 16) % shards;

/**
 * The sort key of both indexes: `<timestamp>#<id>`. Timestamps are fixed-width UTC ISO strings, so
 * text order of this key is (timestamp, id) order.
 */
export const timeSortKey = (timestamp: string, id: string): string => `${timestamp}#${id}`;

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
    tsk: timeSortKey(event.timestamp, event.id),
    unrouted: String(timeShardOf(event.id, UNROUTED_SHARDS)),
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
