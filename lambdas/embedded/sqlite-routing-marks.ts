/**
 * The routing marks on the embedded events table: `routed_at` once an event is routed, `sweeps`
 * counted by each sweep that tries an unrouted one, `parked_at` when the sweeper gives up on it.
 * Writes go through the group commit, like every other embedded write.
 */
import type { ClaimedEvent, EngineEvent, RoutingMarks } from '../core/index.js';
import { GroupCommit } from './group-commit.js';
import type { SqliteDatabase } from './sqlite-database.js';

export interface SqliteRoutingMarksOptions {
  now?: () => number;
  /** The engine's group commit; default one of its own on the same database. */
  writes?: GroupCommit;
}

interface ClaimRow {
  body: string;
  sweeps: number;
  received_at: string;
}

/**
 * @example const marks = new SqliteRoutingMarks(db, { writes }); await marks.markRouted('01J…')
 */
export class SqliteRoutingMarks implements RoutingMarks {
  readonly #markRouted;
  readonly #unrouted;
  readonly #claim;
  readonly #park;
  readonly #now: () => number;
  readonly #writes: GroupCommit;

  constructor(db: SqliteDatabase, options: SqliteRoutingMarksOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#writes = options.writes ?? new GroupCommit(db);
    this.#markRouted = db.prepare<[string, string]>('UPDATE events SET routed_at = ? WHERE id = ? AND routed_at IS NULL');
    // `events_unrouted` (seq, where routed_at is null) serves this; seq is the order of receipt.
    this.#unrouted = db.prepare<[string, number], { id: string }>(
      'SELECT id FROM events WHERE routed_at IS NULL AND parked_at IS NULL AND received_at < ? ORDER BY seq LIMIT ?',
    );
    this.#claim = db.prepare<[string], ClaimRow>('UPDATE events SET sweeps = sweeps + 1 WHERE id = ? AND routed_at IS NULL RETURNING body, sweeps, received_at');
    this.#park = db.prepare<[string, string]>('UPDATE events SET parked_at = ? WHERE id = ?');
  }

  /** Sets `routed_at` unless it is set (the first routing's time stands); an unknown id is left alone. */
  async markRouted(eventId: string): Promise<void> {
    await this.#writes.submit(() => this.#markRouted.run(this.#iso(), eventId));
  }

  async unrouted(cutoff: string, limit: number): Promise<string[]> {
    return this.#unrouted.all(cutoff, limit).map((row) => row.id);
  }

  /** Counts the sweep on the event unless it is routed or gone; a parked event can still be claimed (a redrive). */
  async claimSweep(eventId: string): Promise<ClaimedEvent | undefined> {
    const row = await this.#writes.submit(() => this.#claim.get(eventId));
    if (row === undefined) return undefined;
    return { event: JSON.parse(row.body) as EngineEvent, attempts: row.sweeps, receivedAt: row.received_at };
  }

  async park(eventId: string): Promise<void> {
    await this.#writes.submit(() => this.#park.run(this.#iso(), eventId));
  }

  #iso(): string {
    return new Date(this.#now()).toISOString();
  }
}
