import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../../lambdas/embedded/group-commit.js';
import { openDatabase } from '../../lambdas/embedded/sqlite-database.js';
import { SqliteDeadLetterQueue } from '../../lambdas/embedded/sqlite-dead-letter-queue.js';
import { describeDeadLetterQueueContract } from './dead-letter-queue.contract.js';

const NOW = Date.parse('2026-11-24T10:00:00.000Z');
const silent = { warn: () => undefined };

describeDeadLetterQueueContract('SqliteDeadLetterQueue (in memory, group commit)', async () => {
  const db = openDatabase(':memory:');
  const queue = new SqliteDeadLetterQueue(db, { logger: silent, clock: { now: () => NOW }, writes: new GroupCommit(db) });
  return { queue, kept: async () => queue.list().map(({ failedAt: _failedAt, ...letter }) => letter) };
});

describe('SqliteDeadLetterQueue', () => {
  it('keeps when each letter was sent, and logs it as a warning', async () => {
    const warnings: Array<[string, Record<string, unknown> | undefined]> = [];
    const queue = new SqliteDeadLetterQueue(openDatabase(':memory:'), {
      logger: { warn: (message, fields) => void warnings.push([message, fields]) },
      clock: { now: () => NOW },
    });
    const letter = { source: 'replay', reason: 'NoSubscription', message: 'nothing takes it', details: [], record: { eventId: 'E1' } };

    await queue.send(letter);

    expect(queue.list()).toEqual([{ ...letter, failedAt: new Date(NOW).toISOString() }]);
    expect(warnings).toEqual([['dead letter', { source: 'replay', reason: 'NoSubscription', message: 'nothing takes it', record: { eventId: 'E1' } }]]);
  });
});
