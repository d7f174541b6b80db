import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngine, type EngineProcess } from '../support/engine-process.js';

const order = (orderId: string) => ({ type: 'order.placed', source: 'shop', data: { orderId, customerEmail: `${orderId}@example.com`, items: [{ sku: 'tea', quantity: 2 }, { sku: 'cup', quantity: 1 }] } });
const payment = (orderId: string, amount = 30) => ({ type: 'payment.received', source: 'payments', correlationId: orderId, data: { orderId, amount } });

describe('the order example: correlation, wait-for-event, emit-event and chained workflows (embedded)', () => {
  let engine: EngineProcess;

  beforeAll(async () => {
    engine = await startEngine(['--memory', '--log-level', 'warn']);
  });
  afterAll(async () => {
    await engine?.stop();
  });

  async function fulfilment(eventId: string, status = 'SUCCEEDED') {
    const { executions } = await engine.waitFor(`/executions?eventId=${eventId}`, (b) => b.executions?.[0]?.status === status);
    return executions[0];
  }

  it('completes when the payment arrives after the wait began', async () => {
    const placed = await engine.post('/events', order('o-after'));
    await engine.waitFor('/correlations/o-after', (b) => b.executions?.[0]?.status === 'RUNNING');
    await new Promise((r) => setTimeout(r, 100));

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
    await engine.waitFor('/correlations/o-waiting', (b) => b.executions?.[0]?.status === 'RUNNING');

    await engine.post('/events', payment('o-someone-else'));
    await new Promise((r) => setTimeout(r, 300));

    expect((await engine.get(`/executions?eventId=${placed.body.id}`)).body.executions[0].status).toBe('RUNNING');
    await engine.post('/events', payment('o-waiting'));
    expect((await fulfilment(placed.body.id)).output.outcome).toBe('confirmed');
  });

  it('chains order.placed → fulfilment → order.confirmed → send_confirmation, all in the timeline in order', async () => {
    const placed = await engine.post('/events', order('o-chain'));
    await engine.post('/events', payment('o-chain', 30));
    await fulfilment(placed.body.id);

    const timeline = await engine.waitFor('/correlations/o-chain', (b) => b.executions?.length === 2 && b.executions.every((e: { status: string }) => e.status === 'SUCCEEDED') && b.events.some((e: { type: string; data: { workflowId?: string } }) => e.type === 'workflow.succeeded' && e.data.workflowId === 'send_confirmation'));

    const story = timeline.timeline.map((t: { kind: string; type?: string; workflowId?: string }) => (t.kind === 'execution' ? `run ${t.workflowId}` : t.type));
    expect(story.indexOf('order.placed')).toBeLessThan(story.indexOf('run order_fulfilment'));
    expect(story.indexOf('run order_fulfilment')).toBeLessThan(story.indexOf('order.confirmed'));
    expect(story.indexOf('order.confirmed')).toBeLessThan(story.indexOf('run send_confirmation'));
    expect(story).toContain('payment.received');
    const confirmation = timeline.executions.find((e: { workflowId: string }) => e.workflowId === 'send_confirmation');
    expect(confirmation).toMatchObject({ ruleId: 'send-order-confirmation', correlationId: 'o-chain', output: { to: 'o-chain@example.com', subject: 'Order o-chain is confirmed (30.00 paid)' } });
  });
});
