import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startEngine, type EngineProcess } from '../support/engine-process.js';

const order = (orderId: string) => ({
  type: 'order.placed',
  source: 'shop',
  data: { orderId, customerEmail: `${orderId}@example.com`, items: [{ sku: 'tea', quantity: 1 }] },
});

describe('edwe dev stopped while a workflow waits for an event', () => {
  const dir = mkdtempSync(join(tmpdir(), 'edwe-shutdown-'));
  const db = join(dir, 'events.db');
  let engine: EngineProcess | undefined;
  afterAll(async () => {
    await engine?.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('exits on SIGTERM at its deadline, not at the end of the wait, and the execution resumes at the next start', async () => {
    engine = await startEngine(['--db', db, '--log-level', 'warn']);
    const { body } = await engine.post('/events', order('shutdown-1'));
    await engine.waitFor(`/executions?eventId=${body.id}`, (b) => b.executions?.[0]?.status === 'RUNNING');

    const exited = new Promise<number | null>((resolve) => engine?.child.once('exit', (code) => resolve(code)));
    engine.child.kill('SIGTERM');
    // The deadline is 5 s; the wait is for a payment that never comes. Exiting at all shows the deadline.
    expect(await exited).toBe(0);
    expect(engine.logs.map((l) => l.message)).toContain('executions still running at the shutdown deadline; they resume at the next start');

    engine = await startEngine(['--db', db, '--log-level', 'warn']);
    await engine.post('/events', { type: 'payment.received', source: 'payments', correlationId: 'shutdown-1', data: { orderId: 'shutdown-1', amount: 30 } });
    const done = await engine.waitFor(`/executions?eventId=${body.id}`, (b) => b.executions?.[0]?.status === 'SUCCEEDED', 30_000);
    expect(done.executions).toHaveLength(1);
  }, 90_000);
});
