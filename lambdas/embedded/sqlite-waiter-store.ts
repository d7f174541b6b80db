/**
 * Waiters of `wait-for-event` in SQLite, found by (correlationId, event type) when an event is routed.
 * A stored waiter's key is its token (the primary key). Writes go through the engine's group commit.
 */
import { compilePattern, type EngineEvent, type StoredWaiter, type WaiterRequest, type WaiterStore } from '../core/index.js';
import type { GroupCommit } from './group-commit.js';
import type { SqliteDatabase } from './sqlite-database.js';

interface WaiterRow {
  token: string;
  pattern: string | null;
  expires_at: string;
}

/**
 * @example const waiter = await new SqliteWaiterStore(db, writes).add({ token, correlationId, eventType, expiresAt })
 */
export class SqliteWaiterStore implements WaiterStore {
  readonly #insert;
  readonly #find;
  readonly #delete;
  readonly #deleteAll;
  readonly #deleteForExecution;

  constructor(
    db: SqliteDatabase,
    private readonly writes: GroupCommit,
  ) {
    this.#insert = db.prepare('INSERT OR REPLACE INTO waiters (token, correlation_id, event_type, pattern, expires_at) VALUES (?, ?, ?, ?, ?)');
    this.#find = db.prepare<[string, string], WaiterRow>('SELECT token, pattern, expires_at FROM waiters WHERE correlation_id = ? AND event_type = ?');
    this.#delete = db.prepare('DELETE FROM waiters WHERE token = ?');
    this.#deleteAll = db.prepare('DELETE FROM waiters');
    // Tokens are `<executionName>#…`: '#' < '$', so this range is exactly one execution's tokens.
    this.#deleteForExecution = db.prepare("DELETE FROM waiters WHERE token >= ? || '#' AND token < ? || '$'");
  }

  /** Waiters stored now: routing skips the look-up entirely while there are none (the usual case). */
  #live = 0;

  /** Stores a waiter (again, harmlessly, when a task is retried with the same token). */
  async add(request: WaiterRequest): Promise<StoredWaiter> {
    // Stored as a UTC ISO string, so that expiry is a string comparison whatever offset the request used.
    const expiresAt = new Date(request.expiresAt).toISOString();
    const pattern = request.pattern ? JSON.stringify(request.pattern) : null;
    await this.writes.submit(() => {
      this.#live += this.#insert.run(request.token, request.correlationId, request.eventType, pattern, expiresAt).changes;
    });
    return { token: request.token, correlationId: request.correlationId, key: request.token };
  }

  /** Live waiters (not expired at `nowMs`) of the event's correlation and type whose pattern it matches. */
  async matching(event: EngineEvent, nowMs: number): Promise<StoredWaiter[]> {
    const { correlationId } = event;
    if (correlationId === undefined || this.#live === 0) return [];
    const nowIso = new Date(nowMs).toISOString();
    return this.#find
      .all(correlationId, event.type)
      .filter((row) => row.expires_at > nowIso && (row.pattern === null || compilePattern(JSON.parse(row.pattern)).matches(event)))
      .map((row) => ({ token: row.token, correlationId, key: row.token }));
  }

  /** Deletes a waiter; nothing happens when it is gone already. */
  async remove(waiter: StoredWaiter): Promise<void> {
    await this.writes.submit(() => {
      this.#live -= this.#delete.run(waiter.key).changes;
    });
  }

  /** An execution ended: its waiters are gone. */
  removeForExecution(executionName: string): void {
    this.#live -= this.#deleteForExecution.run(executionName, executionName).changes;
  }

  /** At start-up: every waiter belonged to an execution of a previous process, which will run again. */
  clear(): void {
    this.#deleteAll.run();
    this.#live = 0;
  }
}
