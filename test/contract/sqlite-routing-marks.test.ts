import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { GroupCommit } from '../../lambdas/embedded/group-commit.js';
import { openDatabase } from '../../lambdas/embedded/sqlite-database.js';
import { SqliteEventStore } from '../../lambdas/embedded/sqlite-event-store.js';
import { SqliteRoutingMarks } from '../../lambdas/embedded/sqlite-routing-marks.js';
import { describeRoutingMarksContract } from './routing-marks.contract.js';

describeRoutingMarksContract('SqliteRoutingMarks (in memory)', async ({ now }) => {
  const db = openDatabase(':memory:');
  const writes = new GroupCommit(db);
  return {
    events: new SqliteEventStore(db, { now, writes }),
    marks: new SqliteRoutingMarks(db, { now, writes }),
    close: async () => {
      db.close();
    },
  };
});

/** The events table as the first release created it, before the sweeper's columns. */
const FIRST_EVENTS_TABLE = `
CREATE TABLE events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, type TEXT NOT NULL, source TEXT NOT NULL,
  timestamp TEXT NOT NULL, correlation_id TEXT, body TEXT NOT NULL, received_at TEXT NOT NULL,
  expires_at INTEGER NOT NULL, routed_at TEXT
);
CREATE INDEX events_unrouted ON events (seq) WHERE routed_at IS NULL;`;

describe('the embedded database from an earlier version', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('opens with its events kept, and gains the columns the routing marks need', async () => {
    dir = mkdtempSync(join(tmpdir(), 'edwe-marks-'));
    const path = join(dir, 'engine.db');
    const old = new Database(path);
    old.exec(FIRST_EVENTS_TABLE);
    const event = { id: 'from-before', type: 'order.placed', source: 'shop', timestamp: '2026-06-01T09:59:00.000Z', data: {} };
    old
      .prepare('INSERT INTO events (id, type, source, timestamp, body, received_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(event.id, event.type, event.source, event.timestamp, JSON.stringify(event), '2026-06-01T10:00:00.000Z', 0);
    old.close();

    const db = openDatabase(path);
    const marks = new SqliteRoutingMarks(db);

    expect(await marks.unrouted('2026-06-01T10:15:00.000Z', 10)).toEqual(['from-before']);
    expect(await marks.claimSweep('from-before')).toEqual({ event, attempts: 1, receivedAt: '2026-06-01T10:00:00.000Z' });
    await marks.park('from-before');
    expect(await marks.unrouted('2026-06-01T10:15:00.000Z', 10)).toEqual([]);
    db.close();
    // A second open finds the columns there and changes nothing.
    openDatabase(path).close();
  });
});
