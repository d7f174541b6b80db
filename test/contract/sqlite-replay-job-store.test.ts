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

  it('keeps a replay and a bulk action apart: each kind sees only its own jobs, even under the same id', async () => {
    const db = openDatabase(':memory:');
    const replays = new SqliteReplayJobStore(db);
    const actions = new SqliteReplayJobStore(db, { kind: 'bulk-action' });
    const job = aReplayJob();
    await replays.create(job, 0);
    await actions.create({ ...job, matched: 7 }, 0);
    await actions.cancel(job.replayId, '2026-11-20T11:00:00.000Z');

    expect((await replays.get(job.replayId))?.job).toEqual(job);
    expect((await actions.get(job.replayId))?.job).toMatchObject({ matched: 7, status: 'cancelled' });
    expect(replays.running().map((stored) => stored.job.replayId)).toEqual([job.replayId]);
    expect(actions.running()).toEqual([]);
    db.close();
  });

  it('opens a database file the previous release wrote (a replays and a bulk_actions table) with every job kept, under its kind', async () => {
    const path = join(dir, 'previous-release.db');
    const previous = new Database(path);
    for (const table of ['replays', 'bulk_actions']) {
      // The previous release's DDL, as sqlite-database.ts had it.
      previous.exec(`CREATE TABLE ${table} (
        replay_id TEXT PRIMARY KEY, status TEXT NOT NULL, job TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 0,
        failures TEXT NOT NULL DEFAULT '[]', paced_until INTEGER, expires_at INTEGER);
        CREATE INDEX ${table}_running ON ${table} (status) WHERE status = 'running';`);
    }
    const failure = { eventId: 'E2', workflowId: 'w', executionName: 'x', reason: 'MalformedDetail', message: 'bad' };
    const replay = { ...aReplayJob(), matched: 2, emitted: 1, scanned: 2, cursor: { timestamp: '2026-11-20T10:00:02.000Z', id: 'E2' } };
    const ended = { ...aReplayJob(), status: 'completed' as const, finishedAt: '2026-11-20T11:00:00.000Z' };
    const action = { ...aReplayJob(), replayId: 'act-1', matched: 50, emitted: 20, scanned: 20, cursor: { timestamp: '2026-11-20T10:00:20.000Z', id: 'n-20' } };
    const insert = (table: string) => previous.prepare(`INSERT INTO ${table} VALUES (?, ?, ?, ?, ?, ?, ?)`);
    insert('replays').run(replay.replayId, 'running', JSON.stringify(replay), 4, JSON.stringify([failure]), 1_800_000_000_000, 1_900_000_000);
    insert('replays').run(ended.replayId, 'completed', JSON.stringify(ended), 9, '[]', null, 1_900_000_000);
    insert('bulk_actions').run(action.replayId, 'running', JSON.stringify(action), 21, '[]', 1_800_000_000_500, 1_900_000_000);
    previous.close();

    const db = openDatabase(path);
    const replays = new SqliteReplayJobStore(db);
    const actions = new SqliteReplayJobStore(db, { kind: 'bulk-action' });

    expect(await replays.get(replay.replayId)).toEqual({ job: replay, version: 4, failures: [failure], pacedUntil: 1_800_000_000_000 });
    expect((await replays.get(ended.replayId))?.job).toEqual(ended);
    expect(await actions.get(action.replayId)).toEqual({ job: action, version: 21, failures: [], pacedUntil: 1_800_000_000_500 });
    expect(await replays.get(action.replayId)).toBeUndefined();
    expect(replays.running().map((stored) => stored.job.replayId)).toEqual([replay.replayId]);
    expect(actions.running().map((stored) => stored.job.replayId)).toEqual([action.replayId]);
    expect(await actions.claim(action.replayId, 21)).toMatchObject({ version: 22 });
    const tables = db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('replays', 'bulk_actions')").all();
    expect(tables).toEqual([]);
    db.close();

    // Opened again (the move ran once): the jobs are as the last process left them.
    const again = openDatabase(path);
    expect(await new SqliteReplayJobStore(again, { kind: 'bulk-action' }).get(action.replayId)).toMatchObject({ version: 22 });
    expect(new SqliteReplayJobStore(again).running()).toHaveLength(1);
    again.close();
  });
});
