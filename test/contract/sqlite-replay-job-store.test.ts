import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { GroupCommit } from '../../lambdas/embedded/group-commit.js';
import { openDatabase } from '../../lambdas/embedded/sqlite-database.js';
import { SqliteReplayJobStore } from '../../lambdas/embedded/sqlite-replay-job-store.js';
import { aReplayJob, describeReplayJobStoreContract } from './replay-job-store.contract.js';

// As the engine runs it: writes share the group commit's transactions.
describeReplayJobStoreContract('SqliteReplayJobStore (in memory, group commit)', async () => {
  const db = openDatabase(':memory:');
  return { store: new SqliteReplayJobStore(db, { writes: new GroupCommit(db) }), close: async () => void db.close() };
});

describeReplayJobStoreContract('SqliteReplayJobStore (in memory, a transaction per write)', async () => {
  const db = openDatabase(':memory:');
  return { store: new SqliteReplayJobStore(db), close: async () => void db.close() };
});

describe('SqliteReplayJobStore', () => {
  const dir = mkdtempSync(join(tmpdir(), 'edwe-replay-store-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists the running jobs, for the engine to resume at start', async () => {
    const db = openDatabase(':memory:');
    const store = new SqliteReplayJobStore(db);
    const [running, ended, cancelled] = [aReplayJob(), aReplayJob(), aReplayJob()];
    for (const job of [running, ended, cancelled]) await store.create(job, 0);
    await store.finish(ended.replayId, 0, 'completed', '2026-11-20T11:00:00.000Z');
    await store.cancel(cancelled.replayId, '2026-11-20T11:00:00.000Z');

    expect(store.running().map((stored) => stored.job.replayId)).toEqual([running.replayId]);
    db.close();
  });

  it('opens a database file an earlier engine wrote, whose jobs had no version: they read as version 0 and can be claimed', async () => {
    const path = join(dir, 'earlier.db');
    const earlier = new Database(path);
    earlier.exec('CREATE TABLE replays (replay_id TEXT PRIMARY KEY, status TEXT NOT NULL, job TEXT NOT NULL)');
    const job = { ...aReplayJob(), matched: 1, emitted: 1, scanned: 1, cursor: { timestamp: '2026-11-20T10:00:01.000Z', id: 'E1' } };
    earlier.prepare('INSERT INTO replays (replay_id, status, job) VALUES (?, ?, ?)').run(job.replayId, 'running', JSON.stringify(job));
    earlier.close();

    const db = openDatabase(path);
    const store = new SqliteReplayJobStore(db);

    expect(await store.get(job.replayId)).toEqual({ job, version: 0, failures: [] });
    expect(await store.claim(job.replayId, 0)).toEqual({ job, version: 1, failures: [] });
    expect(store.running()).toHaveLength(1);
    db.close();
  });
});
