/**
 * Group commit: writes requested in the same turn of the event loop share one SQLite transaction,
 * so one commit (one disk sync with synchronous=FULL) acknowledges them all. A write that throws
 * rejects its own promise and the others commit. A write of one statement needs nothing more —
 * SQLite undoes a failed statement by itself; a write of several statements that must stand or
 * fall together asks for a savepoint (`{ atomic: true }`). Savepoints are not the default: SQLite
 * keeps a sub-journal of every page a savepoint touches, which made each single-row insert about
 * three times as expensive (see docs/architecture.md, Decisions).
 */
import type { SqliteDatabase } from './sqlite-database.js';

interface PendingWrite {
  run: () => unknown;
  atomic: boolean;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export class GroupCommit {
  #pending: PendingWrite[] = [];
  #scheduled = false;
  readonly #commit: (writes: PendingWrite[]) => Outcome[];

  constructor(db: SqliteDatabase) {
    const savepoint = db.transaction((run: () => unknown) => run());
    this.#commit = db.transaction((writes: PendingWrite[]) =>
      writes.map((write): Outcome => {
        try {
          return { ok: true, value: write.atomic ? savepoint(write.run) : write.run() };
        } catch (error) {
          return { ok: false, error };
        }
      }),
    );
  }

  /**
   * Runs `write` inside the next group transaction; resolves once that transaction is committed.
   * `atomic`: the write runs several statements that must be undone together if it throws.
   */
  submit<T>(write: () => T, options: { atomic?: boolean } = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#pending.push({ run: write, atomic: options.atomic ?? false, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits everything submitted so far (also called directly where a caller needs it now). */
  flush(): void {
    this.#scheduled = false;
    const writes = this.#pending;
    if (writes.length === 0) return;
    this.#pending = [];
    let outcomes: Outcome[];
    try {
      outcomes = this.#commit(writes);
    } catch (error) {
      for (const write of writes) write.reject(error);
      return;
    }
    outcomes.forEach((outcome, i) => {
      const write = writes[i] as PendingWrite;
      if (outcome.ok) write.resolve(outcome.value);
      else write.reject(outcome.error);
    });
  }
}
