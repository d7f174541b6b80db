/**
 * The embedded event store: the `EventStore` port on SQLite. Writes go through the group commit, so
 * puts issued in one event-loop turn share one transaction (one disk sync) and each is durable when
 * its promise resolves. The synchronous methods serve the embedded engine's own transactions.
 */
import {
  ConflictError,
  encodeCursor,
  sameContent,
  type EngineEvent,
  type EventPage,
  type EventPosition,
  type EventQuery,
  type EventStore,
  type PutResult,
} from '../core/index.js';
import type { Statement } from 'better-sqlite3';
import { GroupCommit } from './group-commit.js';
import type { SqliteDatabase } from './sqlite-database.js';

interface EventRow {
  seq: number;
  body: string;
}

interface RangeRow {
  id: string;
  timestamp: string;
  body: string;
}

export interface SqliteEventStoreOptions {
  /** How long events are kept (the TTL the DynamoDB home sets); default 30 days. */
  retentionDays?: number;
  now?: () => number;
  /**
   * The engine's group commit, shared with its other writers so that what one turn writes commits
   * together. Default: one of the store's own on the same database.
   */
  writes?: GroupCommit;
}

/** Events read from `range` per page. */
const RANGE_PAGE_SIZE = 1000;

/**
 * @example const store = new SqliteEventStore(openDatabase(':memory:'), { writes }); await store.put(event)
 */
export class SqliteEventStore implements EventStore {
  readonly #insert;
  readonly #byId;
  readonly #range;
  readonly #counts;
  readonly #since;
  readonly #lastSeq;
  readonly #queries = new Map<string, Statement<[Record<string, string | number>], RangeRow>>();
  readonly #retentionMs: number;
  readonly #now: () => number;
  readonly #writes: GroupCommit;

  constructor(
    private readonly db: SqliteDatabase,
    options: SqliteEventStoreOptions = {},
  ) {
    this.#retentionMs = (options.retentionDays ?? 30) * 86_400_000;
    this.#now = options.now ?? Date.now;
    this.#writes = options.writes ?? new GroupCommit(db);
    this.#insert = db.prepare(
      `INSERT INTO events (id, type, source, timestamp, correlation_id, body, received_at, expires_at)
       VALUES (@id, @type, @source, @timestamp, @correlationId, @body, @receivedAt, @expiresAt)
       ON CONFLICT (id) DO NOTHING`,
    );
    this.#byId = db.prepare<[string], EventRow>('SELECT seq, body FROM events WHERE id = ?');
    this.#range = db.prepare<[{ from: string; to: string; afterTs: string; afterId: string; limit: number }], RangeRow>(
      `SELECT id, timestamp, body FROM events
       WHERE timestamp >= @from AND timestamp < @to AND (timestamp > @afterTs OR (timestamp = @afterTs AND id > @afterId))
       ORDER BY timestamp, id LIMIT @limit`,
    );
    this.#since = db.prepare<[number, number], EventRow>('SELECT seq, body FROM events WHERE seq > ? ORDER BY seq LIMIT ?');
    this.#lastSeq = db.prepare<[], { seq: number | null }>('SELECT max(seq) AS seq FROM events');
    this.#counts = db.prepare<[], { stored: number; unrouted: number }>(
      'SELECT (SELECT count(*) FROM events) AS stored, (SELECT count(*) FROM events WHERE routed_at IS NULL) AS unrouted',
    );
  }

  /**
   * Stores the event in the next group transaction and resolves once it is committed; the same id
   * again is a duplicate, or with other content a `ConflictError`.
   */
  put(event: EngineEvent): Promise<PutResult> {
    return this.#writes.submit(() => this.#put(event));
  }

  #put(event: EngineEvent): PutResult {
    const body = JSON.stringify(event);
    const now = this.#now();
    const info = this.#insert.run({
      id: event.id,
      type: event.type,
      source: event.source,
      timestamp: event.timestamp,
      correlationId: event.correlationId ?? null,
      body,
      receivedAt: new Date(now).toISOString(),
      expiresAt: Math.floor((now + this.#retentionMs) / 1000),
    });
    if (info.changes === 1) return { id: event.id, duplicate: false };
    const stored = this.#byId.get(event.id);
    if (stored && sameContent(JSON.parse(stored.body) as EngineEvent, event)) return { id: event.id, duplicate: true };
    throw new ConflictError(`An event with id "${event.id}" is already stored with different content`);
  }

  async get(id: string): Promise<EngineEvent | undefined> {
    const row = this.#byId.get(id);
    return row ? (JSON.parse(row.body) as EngineEvent) : undefined;
  }

  /**
   * Events stored after position `seq`, in the order they were stored (the live stream's reading). Positions
   * only grow: a commit is synchronous and the column is AUTOINCREMENT, so a reader that remembers the last
   * position it saw misses nothing stored later, whatever the events' own timestamps say.
   */
  since(seq: number, limit: number): Array<{ seq: number; event: EngineEvent }> {
    return this.#since.all(seq, limit).map((row) => ({ seq: row.seq, event: JSON.parse(row.body) as EngineEvent }));
  }

  /** The position of the last event stored (0 when none is). */
  lastSeq(): number {
    return this.#lastSeq.get()?.seq ?? 0;
  }

  /** How many events are stored, and how many of them are not routed yet. */
  counts(): { stored: number; unrouted: number } {
    return this.#counts.get() as { stored: number; unrouted: number };
  }

  /** One page of a `GET /events` query, in (timestamp, id) order. */
  async query(query: EventQuery): Promise<EventPage<EngineEvent>> {
    const where: string[] = [];
    const params: Record<string, string | number> = { limit: query.limit + 1 };
    const filter = (column: string, name: keyof EventQuery, op = '=') => {
      const value = query[name];
      if (value === undefined) return;
      where.push(`${column} ${op} @${name}`);
      params[name] = value as string;
    };
    filter('type', 'type');
    filter('source', 'source');
    filter('correlation_id', 'correlationId');
    filter('timestamp', 'from', '>=');
    filter('timestamp', 'to', '<');
    if (query.after) {
      where.push('(timestamp > @afterTs OR (timestamp = @afterTs AND id > @afterId))');
      params.afterTs = query.after.timestamp;
      params.afterId = query.after.id;
    }
    const sql = `SELECT id, timestamp, body FROM events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY timestamp, id LIMIT @limit`;
    let statement = this.#queries.get(sql);
    if (!statement) {
      statement = this.db.prepare<[Record<string, string | number>], RangeRow>(sql);
      this.#queries.set(sql, statement);
    }
    // One row more than asked tells whether another page exists.
    const rows = statement.all(params);
    const more = rows.length > query.limit;
    if (more) rows.pop();
    const page: EventPage<EngineEvent> = { events: rows.map((row) => JSON.parse(row.body) as EngineEvent) };
    const last = rows[rows.length - 1];
    if (more && last) page.cursor = encodeCursor({ timestamp: last.timestamp, id: last.id });
    return page;
  }

  /** Events with `from ≤ timestamp < to`, after `after` when given, in (timestamp, id) order, read a page at a time. */
  async *range(from: string, to: string, after?: EventPosition): AsyncGenerator<EngineEvent, void> {
    yield* this.rangeSync(from, to, after);
  }

  /** `range`, read synchronously (the engine's own readers, and the replay benchmark's baseline). */
  *rangeSync(from: string, to: string, after?: EventPosition, pageSize = RANGE_PAGE_SIZE): Generator<EngineEvent, void> {
    let position = after;
    for (;;) {
      const page = this.#range
        .all({ from, to, afterTs: position?.timestamp ?? '', afterId: position?.id ?? '', limit: pageSize })
        .map((row) => JSON.parse(row.body) as EngineEvent);
      yield* page;
      if (page.length < pageSize) return;
      const last = page[page.length - 1] as EngineEvent;
      position = { timestamp: last.timestamp, id: last.id };
    }
  }
}
