/**
 * The embedded engine's adapters on one SQLite database: every store writes through one group
 * commit, so what a turn of the event loop writes — a batch's puts, its executions, its routed
 * marks — commits as one transaction.
 */
import type { Logger } from '../core/index.js';
import { GroupCommit } from './group-commit.js';
import { openDatabase, type SqliteDatabase, type SyncMode } from './sqlite-database.js';
import { SqliteDeadLetterQueue } from './sqlite-dead-letter-queue.js';
import { SqliteEventStore } from './sqlite-event-store.js';
import { SqliteExecutionStore } from './sqlite-execution-store.js';
import { SqliteJoinStore } from './sqlite-join-store.js';
import { SqliteRoutingMarks } from './sqlite-routing-marks.js';
import { SqliteRuleStore } from './sqlite-rule-store.js';
import { SqliteWaiterStore } from './sqlite-waiter-store.js';

export interface EmbeddedStoresOptions {
  sync: SyncMode;
  retentionDays: number;
  now: () => number;
  logger: Logger;
}

export class EmbeddedStores {
  readonly writes: GroupCommit;
  readonly events: SqliteEventStore;
  readonly marks: SqliteRoutingMarks;
  readonly executions: SqliteExecutionStore;
  readonly waiters: SqliteWaiterStore;
  readonly joins: SqliteJoinStore;
  readonly deadLetters: SqliteDeadLetterQueue;
  /** The managed layer of rules (created through the API). */
  readonly rules: SqliteRuleStore;

  private constructor(
    readonly db: SqliteDatabase,
    { retentionDays, now, logger }: EmbeddedStoresOptions,
  ) {
    const writes = new GroupCommit(db);
    this.writes = writes;
    this.events = new SqliteEventStore(db, { retentionDays, now, writes });
    this.marks = new SqliteRoutingMarks(db, { now, writes });
    this.executions = new SqliteExecutionStore(db, writes);
    this.waiters = new SqliteWaiterStore(db, writes);
    this.joins = new SqliteJoinStore(db, writes);
    this.deadLetters = new SqliteDeadLetterQueue(db, { logger, clock: { now }, writes });
    this.rules = new SqliteRuleStore(db, { writes });
  }

  /** Opens (creating if needed) the database at `path`, or an in-memory one for `:memory:`. */
  static open(path: string, options: EmbeddedStoresOptions): EmbeddedStores {
    return new EmbeddedStores(openDatabase(path, options.sync), options);
  }

  close(): void {
    this.db.close();
  }
}
