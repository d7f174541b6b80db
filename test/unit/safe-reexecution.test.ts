import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EmbeddedEngine } from '../../lambdas/embedded/embedded-engine.js';
import { createLogger } from '../../lambdas/embedded/logger.js';
import { loadProject } from '../../lambdas/project/load-project.js';

const order = (orderId: string) => ({
  type: 'order.placed',
  source: 'shop',
  data: { orderId, customerEmail: `${orderId}@example.com`, items: [{ sku: 'tea', quantity: 1 }] },
});
const payment = (orderId: string) => ({ type: 'payment.received', source: 'payments', correlationId: orderId, data: { orderId, amount: 12 } });

const open = (dbPath: string) => EmbeddedEngine.open({ project: loadProject(), dbPath, logger: createLogger({ level: 'silent' }) });

describe('re-running an execution a crash left RUNNING', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('emits the same events under the same ids, so the store keeps one of each and no second execution starts from them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edwe-rerun-'));
    dirs.push(dir);
    const dbPath = join(dir, 'events.db');
    const engine = await open(dbPath);
    const placed = await engine.ingest(order('o-rerun'));
    await engine.ingest(payment('o-rerun'));
    await vi.waitFor(async () => expect(engine.executions.byEvent(placed.id)[0]?.status).toBe('SUCCEEDED'), { timeout: 10_000, interval: 20 });
    await engine.idle();
    await engine.close();

    // What a SIGKILL after the emit but before the end was recorded leaves behind.
    const db = new Database(dbPath);
    db.prepare("UPDATE executions SET status = 'RUNNING', stopped_at = NULL, output = NULL WHERE event_id = ?").run(placed.id);
    db.close();

    const restarted = await open(dbPath);
    await vi.waitFor(async () => expect(restarted.executions.byEvent(placed.id)[0]?.status).toBe('SUCCEEDED'), { timeout: 10_000, interval: 20 });
    await restarted.idle();
    const confirmed = (await restarted.queries.correlation('o-rerun')).events.filter((event) => event.type === 'order.confirmed');
    const confirmations = (await restarted.executions.byCorrelation('o-rerun')).filter((e) => e.workflowId === 'send_confirmation');
    await restarted.close();

    expect(confirmed).toHaveLength(1);
    expect(confirmations).toHaveLength(1);
  });
});
