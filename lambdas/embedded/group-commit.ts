/**
 * Group commit: writes requested in the same turn of the event loop share one SQLite transaction,
 * so one disk sync (synchronous=FULL) acknowledges them all. Each write runs in its own savepoint:
 * one that throws is rolled back alone and rejects its own promise; the others commit.
 */
import type { SqliteDatabase } from './sqlite-database.js';

interface PendingWrite {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export class GroupCommit {
  #pending: PendingWrite[] = [];
  #scheduled = false;
  readonly #commit: (writes: PendingWrite[]) => Array<{ ok: true; value: unknown } | { ok: false; error: unknown }>;

  constructor(db: SqliteDatabase) {
    const savepoint = db.transaction((run: () => unknown) => run());
    this.#commit = db.transaction((writes: PendingWrite[]) =>
      writes.map((write) => {
        try {
          return { ok: true as const, value: savepoint(write.run) };
        } catch (error) {
          return { ok: false as const, error };
        }
      }),
    );
  }

  /** Runs `write` inside the next group transaction; resolves once that transaction is committed. */
  submit<T>(write: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#pending.push({ run: write, resolve: resolve as (value: unknown) => void, reject });
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
    let outcomes;
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
