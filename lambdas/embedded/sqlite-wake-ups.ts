/**
 * Flow control's timers embedded (the `WakeUpScheduler` port): wake-ups are rows of the `flow_timers` table, so they
 * survive a SIGKILL; one in-process timer waits for the earliest, and at start every wake-up already due fires.
 */
import type { Logger, WakeUp, WakeUpScheduler } from '../core/index.js';
import type { GroupCommit } from './group-commit.js';
import type { SqliteDatabase } from './sqlite-database.js';

/** A failed wake-up is tried again after this long (the row stays until it succeeds). */
const RETRY_MS = 1000;
/** The longest the loop sleeps at once, so a clock that jumps (or a long timer) is looked at again. */
const MAX_SLEEP_MS = 60_000;

/**
 * @example const timers = new SqliteWakeUps(db, writes, { now, logger }); timers.start((w) => flow.wake(w))
 */
export class SqliteWakeUps implements WakeUpScheduler {
  readonly #insert;
  readonly #due;
  readonly #delete;
  readonly #earliest;
  #handler: ((wakeUp: WakeUp) => Promise<void>) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #armedFor = Number.POSITIVE_INFINITY;
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(
    db: SqliteDatabase,
    private readonly writes: GroupCommit,
    private readonly options: { now: () => number; logger: Pick<Logger, 'error'> },
  ) {
    this.#insert = db.prepare('INSERT INTO flow_timers (rule_id, key, due_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING');
    this.#due = db.prepare<[string], { rule_id: string; key: string; due_at: string }>(
      'SELECT rule_id, key, due_at FROM flow_timers WHERE due_at <= ? ORDER BY due_at LIMIT 500',
    );
    this.#delete = db.prepare('DELETE FROM flow_timers WHERE rule_id = ? AND key = ? AND due_at = ?');
    this.#earliest = db.prepare<[], { due_at: string | null }>('SELECT MIN(due_at) AS due_at FROM flow_timers');
  }

  /** Stores the wake-ups (durably, once the promise resolves) and wakes the loop in time for the earliest. */
  async schedule(wakeUps: readonly WakeUp[]): Promise<void> {
    if (wakeUps.length === 0) return;
    await this.writes.submit(() => {
      for (const w of wakeUps) this.#insert.run(w.ruleId, w.key, w.dueAt);
    });
    this.#arm(Math.min(...wakeUps.map((w) => Date.parse(w.dueAt))));
  }

  /** Starts delivering to `handler`: the wake-ups already due (left by a previous process) at once. */
  start(handler: (wakeUp: WakeUp) => Promise<void>): void {
    this.#handler = handler;
    this.#arm(this.options.now());
  }

  /** Stops the loop and waits for a delivery in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  /** Resolves once no wake-up is being delivered (for tests and shutdown). */
  async settled(): Promise<void> {
    await this.#running;
  }

  #arm(atMs: number): void {
    if (this.#stopped || this.#handler === undefined || atMs >= this.#armedFor) return;
    clearTimeout(this.#timer);
    this.#armedFor = atMs;
    const delay = Math.min(MAX_SLEEP_MS, Math.max(0, atMs - this.options.now()));
    this.#timer = setTimeout(() => {
      this.#armedFor = Number.POSITIVE_INFINITY;
      this.#running = (this.#running ?? Promise.resolve()).then(() => this.#deliver());
    }, delay);
  }

  /** Delivers every due wake-up, one at a time, then sleeps until the next. */
  async #deliver(): Promise<void> {
    const handler = this.#handler;
    if (handler === undefined || this.#stopped) return;
    let failed = false;
    for (;;) {
      const rows = this.#due.all(new Date(this.options.now()).toISOString());
      if (rows.length === 0 || this.#stopped) break;
      for (const row of rows) {
        try {
          await handler({ ruleId: row.rule_id, key: row.key, dueAt: row.due_at });
          await this.writes.submit(() => this.#delete.run(row.rule_id, row.key, row.due_at));
        } catch (error) {
          failed = true;
          this.options.logger.error('a flow-control wake-up failed; it is tried again', { ruleId: row.rule_id, key: row.key, error: String(error) });
        }
      }
      if (failed) break;
    }
    const next = this.#earliest.get()?.due_at;
    if (failed) this.#arm(this.options.now() + RETRY_MS);
    else if (next !== null && next !== undefined) this.#arm(Date.parse(next));
  }
}
