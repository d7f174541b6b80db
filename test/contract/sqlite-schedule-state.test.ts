import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../../lambdas/embedded/group-commit.js';
import { openDatabase } from '../../lambdas/embedded/sqlite-database.js';
import { SqliteScheduleState } from '../../lambdas/embedded/sqlite-schedule-state.js';

describe('SqliteScheduleState', () => {
  it('knows nothing of a schedule it never saw, then keeps its latest fire', async () => {
    const db = openDatabase(':memory:');
    const state = new SqliteScheduleState(db, new GroupCommit(db));
    expect(await state.lastFired('nightly')).toBeUndefined();

    await state.setLastFired('nightly', 2_000);
    expect(await state.lastFired('nightly')).toBe(2_000);
    expect(await state.lastFired('other')).toBeUndefined();
    db.close();
  });

  it('never moves a schedule back: a late write of an earlier fire changes nothing', async () => {
    const db = openDatabase(':memory:');
    const state = new SqliteScheduleState(db, new GroupCommit(db));
    await state.setLastFired('nightly', 5_000);
    await state.setLastFired('nightly', 3_000);
    expect(await state.lastFired('nightly')).toBe(5_000);
    db.close();
  });

  it('keeps what it was told across a reopen of the database file (its table is created on open)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'schedules-state-'));
    try {
      const first = openDatabase(join(dir, 'e.db'));
      await new SqliteScheduleState(first, new GroupCommit(first)).setLastFired('nightly', 7_000);
      first.close();
      const again = openDatabase(join(dir, 'e.db'));
      expect(await new SqliteScheduleState(again, new GroupCommit(again)).lastFired('nightly')).toBe(7_000);
      again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
