import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConflictError } from '../../lambdas/core/index.js';
import { GroupCommit } from '../../lambdas/embedded/group-commit.js';
import { openDatabase } from '../../lambdas/embedded/sqlite-database.js';
import { SqliteEventStore } from '../../lambdas/embedded/sqlite-event-store.js';
import { describeEventStoreContract } from './event-store.contract.js';
import { anEvent } from './event-store.fixtures.js';

describeEventStoreContract('SqliteEventStore (in memory)', async ({ retentionDays, now }) => {
  const db = openDatabase(':memory:');
  const store = new SqliteEventStore(db, { retentionDays, now });
  const expiresAt = db.prepare<[string], { expires_at: number }>('SELECT expires_at FROM events WHERE id = ?');
  return {
    store,
    expiresAtOf: async (id) => expiresAt.get(id)?.expires_at,
    close: async () => {
      db.close();
    },
  };
});

/** A group commit that counts its transactions. */
class CountedCommit extends GroupCommit {
  transactions = 0;
  override flush(): void {
    this.transactions++;
    super.flush();
  }
}

describe('SqliteEventStore writes (a database file, read back by a second connection)', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('commits the puts of one event-loop turn in one transaction, visible to others once the promises resolve', async () => {
    dir = mkdtempSync(join(tmpdir(), 'edwe-events-'));
    const path = join(dir, 'engine.db');
    const db = openDatabase(path);
    const reader = openDatabase(path);
    const writes = new CountedCommit(db);
    const store = new SqliteEventStore(db, { writes });
    const stored = () => reader.prepare<[], { n: number }>('SELECT count(*) AS n FROM events').get()?.n;
    const events = [anEvent(), anEvent(), anEvent()];

    const puts = events.map((event) => store.put(event));
    const beforeTheTurnEnds = stored();
    const results = await Promise.all(puts);

    expect(beforeTheTurnEnds).toBe(0);
    expect(results).toEqual(events.map((event) => ({ id: event.id, duplicate: false })));
    expect(stored()).toBe(3);
    expect(writes.transactions).toBe(1);
    reader.close();
    db.close();
  });

  it('rejects a conflicting put alone; the others of its transaction are stored', async () => {
    const db = openDatabase(':memory:');
    const store = new SqliteEventStore(db);
    const first = anEvent();
    await store.put(first);

    const [conflict, other] = await Promise.allSettled([store.put({ ...first, data: { changed: true } }), store.put(anEvent({ id: 'stored-beside-a-conflict' }))]);

    expect(conflict).toMatchObject({ status: 'rejected', reason: expect.any(ConflictError) });
    expect(other).toMatchObject({ status: 'fulfilled', value: { id: 'stored-beside-a-conflict', duplicate: false } });
    expect(await store.get(first.id)).toEqual(first);
    db.close();
  });
});
