/**
 * Each schedule's progress in the embedded database (`schedule_state`: rule id → the last fire time
 * dealt with), so a restarted engine applies `catchUp` to what it missed and fires nothing twice.
 */
import type { ScheduleState } from '../core/index.js';
import type { GroupCommit } from './group-commit.js';
import type { SqliteDatabase } from './sqlite-database.js';

/** The table is this adapter's own: created here, so a database file from before schedules gains it on open. */
const SCHEMA = 'CREATE TABLE IF NOT EXISTS schedule_state (rule_id TEXT PRIMARY KEY, last_fired INTEGER NOT NULL)';

/** @example const state = new SqliteScheduleState(db, writes); await state.setLastFired('nightly', Date.parse('2026-01-02T01:00:00Z')) */
export class SqliteScheduleState implements ScheduleState {
  readonly #get;
  readonly #set;

  constructor(
    db: SqliteDatabase,
    private readonly writes: GroupCommit,
  ) {
    db.exec(SCHEMA);
    this.#get = db.prepare<[string], { last_fired: number }>('SELECT last_fired FROM schedule_state WHERE rule_id = ?');
    this.#set = db.prepare<[string, number]>(
      'INSERT INTO schedule_state (rule_id, last_fired) VALUES (?, ?) ON CONFLICT (rule_id) DO UPDATE SET last_fired = MAX(last_fired, excluded.last_fired)',
    );
  }

  async lastFired(ruleId: string): Promise<number | undefined> {
    return this.#get.get(ruleId)?.last_fired;
  }

  /** Never moves a schedule's progress backwards: a late write of an earlier fire changes nothing. */
  async setLastFired(ruleId: string, firedMs: number): Promise<void> {
    await this.writes.submit(() => this.#set.run(ruleId, firedMs));
  }
}
