/**
 * The embedded runner's checkpoints in SQLite: per execution, the top-level state it last entered with that state's
 * input — the output of the state before it — and the states it passed through. Enough to resume it there after a
 * crash, or to redrive it from the state that failed. One small upsert per state, through the engine's group commit.
 */
import type { StateStep } from '../core/index.js';
import type { GroupCommit } from './group-commit.js';
import type { SqliteDatabase } from './sqlite-database.js';

/** Where an execution stands: the state to resume at (absent: its start) and how often it was redriven. */
export interface Checkpoint {
  /** The top-level state last entered; absent when no state was entered (or the checkpoint only counts redrives). */
  state?: string;
  /** That state's input, as recorded (sealed fields concealed). */
  input?: unknown;
  /** The top-level states passed through before it. */
  steps: StateStep[];
  /** How often the execution was redriven here. */
  redrives: number;
}

interface CheckpointRow {
  state: string | null;
  input: string | null;
  steps: string;
  redrives: number;
}

/** The end statuses a redrive takes up (Step Functions redrives the same three). */
export const REDRIVABLE = ['FAILED', 'TIMED_OUT', 'ABORTED'] as const;

/**
 * @example await new SqliteCheckpoints(db, writes).enter(name, 'ConfirmOrder', input, steps)
 */
export class SqliteCheckpoints {
  readonly #upsert;
  readonly #get;
  readonly #delete;
  readonly #reopen;
  readonly #count;
  readonly #status;

  constructor(
    db: SqliteDatabase,
    private readonly writes: GroupCommit,
  ) {
    this.#upsert = db.prepare(
      `INSERT INTO checkpoints (name, state, input, steps) VALUES (?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET state = excluded.state, input = excluded.input, steps = excluded.steps`,
    );
    this.#get = db.prepare<[string], CheckpointRow>('SELECT state, input, steps, redrives FROM checkpoints WHERE name = ?');
    this.#delete = db.prepare('DELETE FROM checkpoints WHERE name = ?');
    this.#reopen = db.prepare(
      `UPDATE executions SET status = 'RUNNING', stopped_at = NULL, output = NULL, error = NULL
       WHERE name = ? AND status IN (${REDRIVABLE.map((s) => `'${s}'`).join(', ')})`,
    );
    this.#status = db.prepare<[string], { status: string }>('SELECT status FROM executions WHERE name = ?');
    this.#count = db.prepare(
      `INSERT INTO checkpoints (name, steps, redrives) VALUES (?, '[]', 1)
       ON CONFLICT (name) DO UPDATE SET redrives = redrives + 1 RETURNING redrives`,
    );
  }

  /** Records that the execution entered `state` with `input` (JSON text) after `steps`; durable once resolved. */
  enter(name: string, state: string, input: string, steps: readonly StateStep[]): Promise<void> {
    const row = [name, state, input, JSON.stringify(steps)] as const;
    return this.writes.submit(() => {
      this.#upsert.run(...row);
    });
  }

  get(name: string): Checkpoint | undefined {
    const row = this.#get.get(name);
    if (row === undefined) return undefined;
    const checkpoint: Checkpoint = { steps: JSON.parse(row.steps) as StateStep[], redrives: row.redrives };
    if (row.state !== null) checkpoint.state = row.state;
    if (row.input !== null) checkpoint.input = JSON.parse(row.input) as unknown;
    return checkpoint;
  }

  /** Forgets a succeeded execution's checkpoint: nothing is left to resume or redrive. */
  forget(name: string): Promise<void> {
    return this.writes.submit(() => {
      this.#delete.run(name);
    });
  }

  /**
   * A redrive, in one transaction: the execution's record is RUNNING again (its end cleared, unless it is RUNNING
   * already — an application service may have reopened it first) and the redrive counted. Answers the new count, or
   * undefined when the record is missing or ended in a way no redrive takes up (SUCCEEDED).
   */
  reopen(name: string): Promise<number | undefined> {
    return this.writes.submit(
      () => {
        if (this.#reopen.run(name).changes === 0 && this.#status.get(name)?.status !== 'RUNNING') return undefined;
        return (this.#count.get(name) as { redrives: number }).redrives;
      },
      { atomic: true },
    );
  }
}
