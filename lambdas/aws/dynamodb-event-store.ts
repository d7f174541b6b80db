/**
 * The event store on DynamoDB: one item per event, written once with a conditional put,
 * indexed by hour (`byTime`) and by correlation (`byCorrelation`), expired by TTL, and read back
 * as pages of `GET /events` or as a time range for replay.
 */
import { randomUUID } from 'node:crypto';
import { GetItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
// Deep imports, not core's index: the built-in tasks load this lazily (see event-item.ts).
import type { Clock } from '../core/clock.js';
import { sameContent, type EngineEvent } from '../core/envelope.js';
import { ConflictError, RetryableError } from '../core/errors.js';
import type { EventStore, PutResult } from '../core/ports/events.js';
import { encodeCursor, type EventPage, type EventPosition, type EventQuery } from '../core/query.js';
import { eventKey, fromItem, hourOf, timeSortKey, toItem } from './event-item.js';
import { HourMarkReader, HourMarkWriter, type HourVisits } from './event-hour-marks.js';
import { EventsIndexReader, type IndexEntry, type IndexSpan, type TimeReadStop } from './events-index-reader.js';
import { DEFAULT_RETENTION_DAYS, EVENTS_TABLE, TIME_SHARDS } from '../layout/events-table.js';
import { putIfAbsent } from './conditional-check.js';
import { classifySdkError } from './sdk-errors.js';

export { eventKey, fromItem, timePartitionKey, toItem, type EventItem, type ItemOptions } from './event-item.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** What the adapter is given; it reads no environment of its own. */
export interface DynamoDbEventStoreOptions {
  client: DynamoDBClient;
  tableName: string;
  /** Days until an event expires, counted from its receipt. Default 30. */
  retentionDays?: number;
  /** Receive time, and "now" for the default query window; injectable for tests. */
  clock?: Clock;
  timeShards?: number;
  /** Index queries in flight at once within one read. Default 32. */
  queryConcurrency?: number;
  /**
   * Hour buckets one `query` page may read before it answers with what it has and a cursor.
   * Default 744 (31 days × 24): a wide, sparse window costs bounded work per page.
   */
  maxHoursPerPage?: number;
  /** How far past "now" a query without `to` reaches (client clocks run ahead). Default one hour. */
  futureWindowMs?: number;
  /**
   * Mark each hour bucket before its first event and let `query` visit only marked hours (event-hour-marks.ts).
   * Default true; false writes no mark and reads every hour, as a release before marks did (tests use it).
   */
  hourMarks?: boolean;
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
  private readonly reader: EventsIndexReader;
  private readonly maxHoursPerPage: number;
  private readonly futureWindowMs: number;
  private readonly markWriter: HourMarkWriter | undefined;
  private readonly markReader: HourMarkReader | undefined;

  constructor(options: DynamoDbEventStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.retentionDays = options.retentionDays ?? DEFAULT_RETENTION_DAYS;
    this.clock = options.clock ?? { now: Date.now };
    this.timeShards = options.timeShards ?? TIME_SHARDS;
    this.maxHoursPerPage = options.maxHoursPerPage ?? 31 * 24;
    this.futureWindowMs = options.futureWindowMs ?? HOUR_MS;
    this.reader = new EventsIndexReader({
      client: this.client,
      tableName: this.tableName,
      timeShards: this.timeShards,
      ...(options.queryConcurrency === undefined ? {} : { concurrency: options.queryConcurrency }),
    });
    if (options.hourMarks !== false) {
      const target = { client: this.client, tableName: this.tableName };
      this.markWriter = new HourMarkWriter(target, this.retentionDays * DAY_MS);
      this.markReader = new HourMarkReader(target);
    }
  }

  /**
   * Writes the event unless its id is taken. A taken id with the same content is a duplicate;
   * with other content it is a `ConflictError`. The event's hour is marked first (once per container and hour):
   * an event is never stored where a read that trusts the marks would not look.
   * @throws ConflictError, RetryableError (throttling, server faults; a mark that could not be written)
   */
  async put(event: EngineEvent): Promise<PutResult> {
    const receivedAtMs = this.clock.now();
    // `writeId` tells this put's own item from another's: the SDK's retries of one put resend the same.
    const item = { ...toItem(event, { receivedAtMs, retentionDays: this.retentionDays, timeShards: this.timeShards }), writeId: randomUUID() };
    await this.markWriter?.mark(hourOf(event.timestamp), receivedAtMs);
    const target = { client: this.client, tableName: this.tableName, partitionKey: EVENTS_TABLE.partitionKey, what: `storing event ${event.id}` };
    if (await putIfAbsent(target, item)) return { id: event.id, duplicate: false };
    const storedItem = await this.rawGet(event.id);
    // Only TTL deletes items: the id was taken a moment ago and has just expired. Trying again will store it.
    if (storedItem === undefined) throw new RetryableError(`event ${event.id} was stored and expired while being written again`);
    const stored = fromItem(storedItem);
    if (!sameContent(stored, event)) {
      throw new ConflictError(`An event with id "${event.id}" is already stored with different content`);
    }
    // The SDK retries a put whose answer was lost (a timeout after it reached the table): the retry
    // finds the item its own first attempt wrote. That is not a duplicate.
    return { id: event.id, duplicate: storedItem.writeId !== item.writeId };
  }

  /** The event with this id, read consistently so that a client sees its own write. */
  async get(id: string): Promise<EngineEvent | undefined> {
    const item = await this.rawGet(id);
    return item === undefined ? undefined : fromItem(item);
  }

  private async rawGet(id: string): Promise<Record<string, unknown> | undefined> {
    let result;
    try {
      result = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: marshall({ [EVENTS_TABLE.partitionKey]: eventKey(id) }), ConsistentRead: true }));
    } catch (error) {
      throw classifySdkError(error, `reading event ${id}`);
    }
    return result.Item === undefined ? undefined : unmarshall(result.Item as Record<string, AttributeValue>);
  }

  /**
   * One page of `GET /events`, in (timestamp, id) order: up to `limit` events after `query.after`,
   * and a cursor when more may follow.
   *
   * With `correlationId` the `byCorrelation` index is read (the whole correlation unless `from`/`to`
   * narrow it). Otherwise the `byTime` index is read over `[from, to)`; a missing `from` defaults to
   * the retention period before now and a missing `to` to `futureWindowMs` after now. A page reads at
   * most `maxHoursPerPage` hour buckets: past that it answers with what it found and a cursor, so a
   * page of a sparse, wide window may hold fewer than `limit` events and still carry a cursor. With hour
   * marks, only marked hours are read (and count against the budget); a page looks at most four times
   * `maxHoursPerPage` hours' marks.
   * The indexes are eventually consistent: an event stored a moment ago may not be listed yet.
   * @throws RetryableError when DynamoDB throttles or fails.
   */
  async query(query: EventQuery): Promise<EventPage<EngineEvent>> {
    const wanted = query.limit + 1;
    const entries: IndexEntry[] = [];
    const want = (): number => wanted - entries.length;
    const stream = this.open(query, want);
    let stop: TimeReadStop | undefined;
    try {
      for (;;) {
        const next = await stream.next();
        if (next.done === true) {
          stop = next.value;
          break;
        }
        entries.push(next.value);
        if (entries.length === wanted) break;
      }
    } finally {
      await stream.return(undefined);
    }
    const more = entries.length === wanted;
    if (more) entries.pop();
    const page: EventPage<EngineEvent> = { events: entries.map((entry) => fromItem(unmarshall(entry.item))) };
    const last = page.events[page.events.length - 1];
    if (more && last !== undefined) page.cursor = encodeCursor({ timestamp: last.timestamp, id: last.id });
    else if (stop !== undefined) page.cursor = encodeCursor(stop.resumeAfter);
    return page;
  }

  /**
   * Every event with `from ≤ timestamp < to`, after `after` when given, in (timestamp, id) order,
   * read lazily (for replay and backtests), visiting only marked hours once marks are complete.
   * @throws RetryableError when DynamoDB throttles or fails.
   */
  async *range(from: string, to: string, after?: EventPosition): AsyncGenerator<EngineEvent, void> {
    const span: IndexSpan & { lo: string; hi: string } = { lo: new Date(from).toISOString(), hi: new Date(to).toISOString() };
    if (after !== undefined) {
      // The position's own key is read (BETWEEN is inclusive) and skipped.
      const afterKey = timeSortKey(after.timestamp, after.id);
      span.skip = afterKey;
      if (afterKey > span.lo) span.lo = afterKey;
    }
    const stream = this.reader.time(span, () => 250, Number.POSITIVE_INFINITY, this.visits(Number.POSITIVE_INFINITY));
    for await (const entry of stream) yield fromItem(unmarshall(entry.item));
  }

  private open(query: EventQuery, want: () => number): AsyncGenerator<IndexEntry, TimeReadStop | undefined> {
    const span: IndexSpan = {};
    if (query.type !== undefined) span.type = query.type;
    if (query.source !== undefined) span.source = query.source;
    const lower = (from: string | undefined, after: EventPosition | undefined): string | undefined => {
      if (after === undefined) return from;
      const afterKey = timeSortKey(after.timestamp, after.id);
      span.skip = afterKey;
      return from === undefined || afterKey > from ? afterKey : from;
    };
    if (query.correlationId !== undefined) {
      const lo = lower(query.from, query.after);
      if (lo !== undefined) span.lo = lo;
      if (query.to !== undefined) span.hi = query.to;
      return this.reader.correlation(query.correlationId, span, want);
    }
    const now = this.clock.now();
    const from = query.from ?? new Date(now - this.retentionDays * DAY_MS).toISOString();
    const to = query.to ?? new Date(now + this.futureWindowMs).toISOString();
    const lo = lower(from, query.after) as string;
    return this.reader.time({ ...span, lo, hi: to }, want, this.maxHoursPerPage, this.visits(4 * this.maxHoursPerPage));
  }

  /** The hours a time read visits: the marked ones when the table's marks are complete (undefined: every hour). */
  private visits(maxLookedAt: number): ((hours: Iterator<string>) => HourVisits) | undefined {
    const marks = this.markReader;
    if (marks === undefined) return undefined;
    const now = this.clock.now();
    return (hours) => marks.visits(hours, now, maxLookedAt);
  }
}
