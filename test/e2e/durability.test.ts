import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { registration, startEngine } from '../support/engine-process.js';

describe('edwe dev durability', () => {
  const dir = mkdtempSync(join(tmpdir(), 'edwe-durability-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(['normal', 'full'])('keeps an event acknowledged with 202 through a SIGKILL (--sync %s), and routes it exactly once across the restart', async (sync) => {
    const db = join(dir, `events-${sync}.db`);
    const first = await startEngine(['--db', db, '--sync', sync]);
    const posted = await first.post('/events', registration({ id: 'killed-1' }, { userId: 'u-kill' }));
    expect(posted.status).toBe(202);
    await first.stop('SIGKILL');

    const second = await startEngine(['--db', db]);
    try {
      const stored = await second.get('/events/killed-1');
      expect(stored.status).toBe(200);
      expect(stored.body.data.userId).toBe('u-kill');

      const { executions } = await second.waitFor('/executions?eventId=killed-1', (b) => b.executions?.[0]?.status === 'SUCCEEDED');
      expect(executions).toHaveLength(1);
      // The kill may land after the routing commit but before its log line: at most one line, never two.
      const routedLines = [...first.logs, ...second.logs].filter((l) => l.message === 'event routed' && l.eventId === 'killed-1');
      expect(routedLines.length).toBeLessThanOrEqual(1);
    } finally {
      await second.stop();
    }

    const third = await startEngine(['--db', db]);
    try {
      expect((await third.get('/executions?eventId=killed-1')).body.executions).toHaveLength(1);
      expect(third.logs.filter((l) => l.eventId === 'killed-1')).toEqual([]);
    } finally {
      await third.stop();
    }
  });
});
