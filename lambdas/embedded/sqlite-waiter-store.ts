/** Waiters of `wait-for-event` in SQLite, found by (correlationId, event type) when an event is routed. */
import { compilePattern, type EngineEvent, type WaiterRequest } from '../core/index.js';
import type { SqliteDatabase } from './sqlite-database.js';

interface WaiterRow {
  token: string;
  pattern: string | null;
  expires_at: string;
}

export class SqliteWaiterStore {
  readonly #insert;
  readonly #find;
  readonly #delete;
  readonly #deleteAll;
  readonly #deleteForExecution;

  constructor(db: SqliteDatabase) {
    this.#insert = db.prepare('INSERT OR REPLACE INTO waiters (token, correlation_id, event_type, pattern, expires_at) VALUES (?, ?, ?, ?, ?)');
    this.#find = db.prepare<[string, string], WaiterRow>('SELECT token, pattern, expires_at FROM waiters WHERE correlation_id = ? AND event_type = ?');
    this.#delete = db.prepare('DELETE FROM waiters WHERE token = ?');
    this.#deleteAll = db.prepare('DELETE FROM waiters');
    // Tokens are `<executionName>#…`: '#' < '$', so this range is exactly one execution's tokens.
    this.#deleteForExecution = db.prepare("DELETE FROM waiters WHERE token >= ? || '#' AND token < ? || '$'");
  }

  /** Waiters stored now: routing skips the look-up entirely while there are none (the usual case). */
  #live = 0;

  add(waiter: WaiterRequest): void {
    this.#live += this.#insert.run(waiter.token, waiter.correlationId, waiter.eventType, waiter.pattern ? JSON.stringify(waiter.pattern) : null, waiter.expiresAt).changes;
  }

  /** The tokens of live waiters that this event satisfies. */
  matching(event: EngineEvent, nowIso: string): string[] {
    if (event.correlationId === undefined || this.#live === 0) return [];
    return this.#find
      .all(event.correlationId, event.type)
      .filter((row) => row.expires_at > nowIso && (row.pattern === null || compilePattern(JSON.parse(row.pattern)).matches(event)))
      .map((row) => row.token);
  }

  remove(token: string): void {
    this.#live -= this.#delete.run(token).changes;
  }

  removeForExecution(executionName: string): void {
    this.#live -= this.#deleteForExecution.run(executionName, executionName).changes;
  }

  /** At start-up: every waiter belonged to an execution of a previous process, which will run again. */
  clear(): void {
    this.#deleteAll.run();
    this.#live = 0;
  }
}
