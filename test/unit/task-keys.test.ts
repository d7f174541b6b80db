import { describe, expect, it } from 'vitest';
import { createTaskServices, emittedEventId, normaliseEvent, withIdempotencyKeys } from '../../lambdas/core/index.js';
import { SqliteEventStore } from '../../lambdas/embedded/sqlite-event-store.js';
import { openDatabase } from '../../lambdas/embedded/sqlite-database.js';
import { loadProject } from '../../lambdas/project/load-project.js';

const invoke = (payload: unknown) => ({ Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: '${EmitEvent}', Payload: payload }, End: true });

describe('withIdempotencyKeys', () => {
  it('gives every invoked task of the order workflow `<execution>/<state>`, and leaves direct task states as they are', () => {
    const order = loadProject().workflows.get('order_fulfilment');
    const asl = JSON.parse(withIdempotencyKeys(order?.definition ?? '')) as { States: Record<string, any> };
    expect(asl.States.ConfirmOrder.Parameters.Payload['idempotencyKey.$']).toBe("States.Format('{}/ConfirmOrder', $$.Execution.Name)");
    expect(asl.States.CancelOrder.Parameters.Payload['idempotencyKey.$']).toBe("States.Format('{}/CancelOrder', $$.Execution.Name)");
    expect(asl.States.WaitForPayment.Parameters.Payload['idempotencyKey.$']).toBe("States.Format('{}/WaitForPayment', $$.Execution.Name)");
    // A direct task state (`"Resource": "${Task}"`) passes the state's input as it is: no key is added.
    const original = JSON.parse(order?.definition ?? '') as { States: Record<string, any> };
    expect(asl.States.ReserveStock).toEqual(original.States.ReserveStock);
    expect(asl.States.ReserveStock.Parameters).toBeUndefined();
  });

  it('adds the Map item index inside a Map, escapes the state name, and keeps a key the workflow sets itself', () => {
    const definition = JSON.stringify({
      StartAt: 'Each',
      States: {
        Each: { Type: 'Map', ItemProcessor: { StartAt: "Tell {o'k}", States: { "Tell {o'k}": invoke({ type: 't' }) } }, Next: 'Own' },
        Own: invoke({ type: 't', 'idempotencyKey.$': '$.key' }),
      },
    });
    const asl = JSON.parse(withIdempotencyKeys(definition)) as { States: Record<string, any> };
    expect(asl.States.Each.ItemProcessor.States["Tell {o'k}"].Parameters.Payload['idempotencyKey.$']).toBe(
      "States.Format('{}/Tell \\{o\\'k\\}/{}', $$.Execution.Name, $$.Map.Item.Index)",
    );
    expect(asl.States.Own.Parameters.Payload).toEqual({ type: 't', 'idempotencyKey.$': '$.key' });
  });

  it('returns text that is not a definition unchanged, for the parser to report', () => {
    expect(withIdempotencyKeys('{not json')).toBe('{not json');
  });
});

describe('emitting under an idempotency key', () => {
  const clock = { now: () => Date.parse('2026-05-01T00:00:00Z') };
  let n = 0;
  const envelope = { clock, ids: { newId: () => `fresh-${++n}` } };

  it('derives an id the envelope accepts, the same for the same key and another for another key', () => {
    const id = emittedEventId('fulfil-order-abc/ConfirmOrder');
    expect(id).toBe(emittedEventId('fulfil-order-abc/ConfirmOrder'));
    expect(id).not.toBe(emittedEventId('fulfil-order-abc/CancelOrder'));
    expect(normaliseEvent({ id, type: 't', source: 's' }, envelope).id).toBe(id);
  });

  it('stores one event however often the task runs, even when a re-run emits other data', async () => {
    const store = new SqliteEventStore(openDatabase(':memory:'));
    const services = createTaskServices({ ingest: { store, envelope }, waits: { register: async () => undefined } });
    const emit = (amount: number) => services.emitEvent({ type: 'order.confirmed', correlationId: 'o-1', data: { amount }, idempotencyKey: 'x/ConfirmOrder' });
    const first = await emit(10);
    const again = await emit(10);
    const rerun = await emit(11);
    expect([again.id, rerun.id]).toEqual([first.id, first.id]);
    const stored = (await store.query({ correlationId: 'o-1', limit: 10 })).events;
    expect(stored.map((e) => [e.id, e.data.amount])).toEqual([[first.id, 10]]);
  });

  it('emits under a fresh id each time without a key', async () => {
    const store = new SqliteEventStore(openDatabase(':memory:'));
    const services = createTaskServices({ ingest: { store, envelope }, waits: { register: async () => undefined } });
    const a = await services.emitEvent({ type: 't', correlationId: 'c' });
    const b = await services.emitEvent({ type: 't', correlationId: 'c' });
    expect(a.id).not.toBe(b.id);
  });
});
