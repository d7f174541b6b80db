import { describe, expect, it } from 'vitest';
import { loadProject } from '../../lambdas/project/load-project.js';
import { EmbeddedEngine } from '../../lambdas/embedded/embedded-engine.js';
import { createLogger } from '../../lambdas/embedded/logger.js';
import { openDatabase } from '../../lambdas/embedded/sqlite-database.js';
import { SqliteEventStore } from '../../lambdas/embedded/sqlite-event-store.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const premiumEvent = (id: string) => ({
  id,
  type: 'user_registration',
  source: 'web-app',
  timestamp: '2026-11-01T10:00:00.000Z',
  data: { userId: `u-${id}`, user_type: 'premium' },
});

describe('EmbeddedEngine start-up sweeper', () => {
  it('routes an event that was stored but never routed, once, and not again on the next start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edwe-sweeper-'));
    const dbPath = join(dir, 'events.db');
    try {
      // A crash between commit and routing leaves exactly this: a stored event with no routed_at.
      const db = openDatabase(dbPath);
      await new SqliteEventStore(db).put(premiumEvent('crashed-before-routing'));
      db.close();

      const lines: string[] = [];
      const logger = createLogger({ write: (line) => lines.push(line) });
      const engine = await EmbeddedEngine.open({ project: loadProject(), dbPath, logger });
      await engine.idle();
      const executions = engine.executionsForEvent('crashed-before-routing');
      await engine.close();

      expect(executions.map((e) => e.status)).toEqual(['SUCCEEDED']);
      expect(lines.map((l) => JSON.parse(l).message)).toContain('sweeper found unrouted events');

      const again = await EmbeddedEngine.open({ project: loadProject(), dbPath, logger: createLogger({ level: 'silent' }) });
      await again.idle();
      expect(again.executionsForEvent('crashed-before-routing')).toHaveLength(1);
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('EmbeddedEngine periodic sweep', () => {
  it('routes an event left unrouted while the engine runs (a failed routing step), without a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edwe-sweeper-'));
    const dbPath = join(dir, 'events.db');
    try {
      const engine = await EmbeddedEngine.open({ project: loadProject(), dbPath, logger: createLogger({ level: 'silent' }) });
      await engine.idle();
      // What a routing step that failed leaves: stored, acknowledged, never routed — received a minute ago.
      const other = openDatabase(dbPath);
      await new SqliteEventStore(other, { now: () => Date.now() - 60_000 }).put(premiumEvent('unrouted-while-running'));
      other.close();

      await engine.sweepNow();
      await engine.idle();

      expect(engine.executionsForEvent('unrouted-while-running').map((e) => e.status)).toEqual(['SUCCEEDED']);
      await engine.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
