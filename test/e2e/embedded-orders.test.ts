import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startEngine, type EngineProcess } from '../support/engine-process.js';

const order = (orderId: string) => ({
  type: 'order.placed',
  source: 'shop',
  data: {
    orderId,
    customerEmail: `${orderId}@example.com`,
    items: [
      { sku: 'tea', quantity: 2 },
      { sku: 'cup', quantity: 1 },
    ],
  },
});
const payment = (orderId: string, amount = 30) => ({ type: 'payment.received', source: 'payments', correlationId: orderId, data: { orderId, amount } });

describe('the order example: correlation, wait-for-event, emit-event and chained workflows (embedded)', () => {
  let engine: EngineProcess;
  // A database file rather than --memory: the HTTP API does not show when a wait has begun, so the
  // tests read the engine's waiters table (read-only, beside the engine's own connection in WAL mode).
  const dir = mkdtempSync(join(tmpdir(), 'edwe-orders-'));
  let db: Database.Database;

  beforeAll(async () => {
    engine = await startEngine(['--db', join(dir, 'events.db'), '--log-level', 'warn']);
    db = new Database(join(dir, 'events.db'), { readonly: true });
  });
  afterAll(async () => {
    db?.close();
    await engine?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Resolves once the order's execution has registered its wait for a payment. */
  async function waitBegan(orderId: string) {
    await vi.waitFor(() => expect(liveWaiters(orderId)).toBe(1), { timeout: 20_000, interval: 25 });
  }
  const liveWaiters = (orderId: string) => (db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM waiters WHERE correlation_id = ?').get(orderId) as { n: number }).n;

  /** Resolves once every event stored so far has been routed (so any waiter it satisfies is completed). */
  const allRouted = () => engine.waitFor('/health', (b) => b.events?.unrouted === 0);

  async function fulfilment(eventId: string, status = 'SUCCEEDED') {
    const { executions } = await engine.waitFor(`/executions?eventId=${eventId}`, (b) => b.executions?.[0]?.status === status);
    return executions[0];
  }

  it('completes when the payment arrives after the wait began', async () => {
    const placed = await engine.post('/events', order('o-after'));
    await waitBegan('o-after');

    await engine.post('/events', payment('o-after', 42));

    const execution = await fulfilment(placed.body.id);
    expect(execution.output).toMatchObject({ outcome: 'confirmed', orderId: 'o-after', reservation: { units: 3 } });
  });

  it('completes when the payment arrived before the order was even routed (look-back)', async () => {
    await engine.post('/events', payment('o-before', 12));
    const placed = await engine.post('/events', order('o-before'));

    const execution = await fulfilment(placed.body.id);
    expect(execution.output).toMatchObject({ outcome: 'confirmed', orderId: 'o-before' });
  });

  it('is not woken by a payment with another correlationId', async () => {
    const placed = await engine.post('/events', order('o-waiting'));
    await waitBegan('o-waiting');

    await engine.post('/events', payment('o-someone-else'));
    await allRouted();

    // The engine completes the waiters an event satisfies right after marking it routed, before it
    // answers another request: a waiter still stored now was not woken.
    expect(liveWaiters('o-waiting')).toBe(1);
    expect((await engine.get(`/executions?eventId=${placed.body.id}`)).body.executions[0].status).toBe('RUNNING');
    const paid = await engine.post('/events', payment('o-waiting'));
    expect((await fulfilment(placed.body.id)).output).toMatchObject({ outcome: 'confirmed', paymentEventId: paid.body.id });
  });

  it('chains order.placed → fulfilment → order.confirmed → send_confirmation, all in the timeline in order', async () => {
    const placed = await engine.post('/events', order('o-chain'));
    await engine.post('/events', payment('o-chain', 30));
    await fulfilment(placed.body.id);

    const timeline = await engine.waitFor(
      '/correlations/o-chain',
      (b) =>
        b.executions?.length === 2 &&
        b.executions.every((e: { status: string }) => e.status === 'SUCCEEDED') &&
        b.events.some((e: { type: string; data: { workflowId?: string } }) => e.type === 'workflow.succeeded' && e.data.workflowId === 'send_confirmation'),
    );

    const story = timeline.timeline.map((t: { kind: string; type?: string; workflowId?: string }) => (t.kind === 'execution' ? `run ${t.workflowId}` : t.type));
    expect(story.indexOf('order.placed')).toBeLessThan(story.indexOf('run order_fulfilment'));
    expect(story.indexOf('run order_fulfilment')).toBeLessThan(story.indexOf('order.confirmed'));
    expect(story.indexOf('order.confirmed')).toBeLessThan(story.indexOf('run send_confirmation'));
    expect(story).toContain('payment.received');
    const confirmation = timeline.executions.find((e: { workflowId: string }) => e.workflowId === 'send_confirmation');
    expect(confirmation).toMatchObject({
      ruleId: 'send-order-confirmation',
      correlationId: 'o-chain',
      output: { to: 'o-chain@example.com', subject: 'Order o-chain is confirmed (30.00 paid)' },
    });
  });
});
