import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../../lambdas/embedded/group-commit.js';
import { openDatabase } from '../../lambdas/embedded/sqlite-database.js';
import { SqliteExecutionStore } from '../../lambdas/embedded/sqlite-execution-store.js';
import { aTrigger, describeExecutionStoreContract } from './execution-store.contract.js';

describeExecutionStoreContract('SqliteExecutionStore (in memory)', async () => {
  const db = openDatabase(':memory:');
  return { store: new SqliteExecutionStore(db, new GroupCommit(db)), close: async () => void db.close() };
});

describe('SqliteExecutionStore writes', () => {
  it('commits the records asked for in one turn together, in the group commit, before their promises resolve', async () => {
    const db = openDatabase(':memory:');
    const store = new SqliteExecutionStore(db, new GroupCommit(db));
    const startedAt = new Date().toISOString();
    const triggers = [aTrigger(() => startedAt), aTrigger(() => startedAt), aTrigger(() => startedAt)];

    const recorded = triggers.map((t) => store.record(t, startedAt));
    const beforeCommit = await Promise.all(triggers.map((t) => store.get(t.executionName)));

    expect(beforeCommit).toEqual([undefined, undefined, undefined]);
    expect(await Promise.all(recorded)).toEqual([true, true, true]);
    expect((await Promise.all(triggers.map((t) => store.get(t.executionName)))).map((e) => e?.status)).toEqual(['RUNNING', 'RUNNING', 'RUNNING']);
    db.close();
  });
});
