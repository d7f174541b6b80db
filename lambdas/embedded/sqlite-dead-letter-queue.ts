/**
 * The embedded `DeadLetterQueue`: each letter a row of `dead_letters` (its JSON, with when it
 * failed), and a warning in the log, so what the engine gave up on is both seen and kept.
 */
import type { Clock, DeadLetter, DeadLetterQueue, Logger } from '../core/index.js';
import type { SqliteDatabase } from './sqlite-database.js';
import type { SqliteWrites } from './sqlite-replay-job-store.js';

export interface SqliteDeadLetterQueueOptions {
  logger: Pick<Logger, 'warn'>;
  clock: Clock;
  /** Where writes go; default: each in a transaction of its own. */
  writes?: SqliteWrites;
}

/** A letter as kept: the letter and when it was sent to the queue. */
export interface StoredDeadLetter extends DeadLetter {
  failedAt: string;
}

/**
 * @example await new SqliteDeadLetterQueue(db, { logger, clock }).send({ source: 'replay', reason: 'NoSubscription', … })
 */
export class SqliteDeadLetterQueue implements DeadLetterQueue {
  readonly #insert;
  readonly #list;

  constructor(
    db: SqliteDatabase,
    private readonly options: SqliteDeadLetterQueueOptions,
  ) {
    this.#insert = db.prepare<[string, string, string, string]>('INSERT INTO dead_letters (source, reason, letter, failed_at) VALUES (?, ?, ?, ?)');
    this.#list = db.prepare<[number], { letter: string; failed_at: string }>('SELECT letter, failed_at FROM dead_letters ORDER BY seq LIMIT ?');
  }

  async send(letter: DeadLetter): Promise<void> {
    const failedAt = new Date(this.options.clock.now()).toISOString();
    const write = (): void => void this.#insert.run(letter.source, letter.reason, JSON.stringify(letter), failedAt);
    await (this.options.writes === undefined ? write() : this.options.writes.submit(write));
    const { source, reason, message, record } = letter;
    this.options.logger.warn('dead letter', { source, reason, message, record });
  }

  /** The letters kept, oldest first. */
  list(limit = 1000): StoredDeadLetter[] {
    return this.#list.all(limit).map((row) => ({ ...(JSON.parse(row.letter) as DeadLetter), failedAt: row.failed_at }));
  }
}
