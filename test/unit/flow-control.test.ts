/**
 * The flow-control application on a fake clock: decisions per trigger, wake-ups, releases, cancels, and the repeats a
 * crash causes (the same event routed again, a wake-up delivered twice) starting nothing twice. Real SQLite stores.
 */
import { describe, expect, it } from 'vitest';
import {
  compileRules,
  ConflictError,
  FlowControl,
  parseRules,
  planTriggers,
  RetryableError,
  type EngineEvent,
  type Rule,
  type Trigger,
  type WakeUp,
} from '../../lambdas/core/index.js';
import { GroupCommit } from '../../lambdas/embedded/group-commit.js';
import { openDatabase } from '../../lambdas/embedded/sqlite-database.js';
import { SqliteExecutionStore } from '../../lambdas/embedded/sqlite-execution-store.js';
import { SqliteFlowStateStore } from '../../lambdas/embedded/sqlite-flow-state-store.js';

const RULES = `rules:
  - { id: debounced, eventType: a.changed, workflow: w, debounce: { period: 2s, key: data.id, maxWait: 5s } }
  - { id: throttled, eventType: r.requested, workflow: w, throttle: { limit: 2, period: 1s, key: data.tenant } }
  - { id: serial, eventType: j.requested, workflow: w, concurrency: { limit: 1, key: data.tenant }, cancelOn: [{ eventType: j.cancelled }] }
  - { id: limited, eventType: u.registered, workflow: w, rateLimit: { limit: 1, period: 1h, key: data.user } }
  - { id: batched, eventType: row.imported, workflow: w, batch: { maxSize: 3, timeout: 5s } }
`;

function setUp(stop?: (name: string) => Promise<void>) {
  const ruleSet = compileRules(parseRules(RULES, 'flow.yaml'));
  const db = openDatabase(':memory:');
  const writes = new GroupCommit(db);
  const executions = new SqliteExecutionStore(db, writes);
  const store = new SqliteFlowStateStore(db, writes);
  let now = Date.UTC(2030, 0, 1);
  const wakeUps: WakeUp[] = [];
  const started: string[] = [];
  const stopped: string[] = [];
  const starter = {
    async start(trigger: Trigger) {
      const recorded = await executions.record(trigger, new Date(now).toISOString());
      if (recorded) started.push(trigger.executionName);
      return { alreadyStarted: !recorded };
    },
  };
  const flow = new FlowControl({
    ruleSet,
    store,
    executions,
    starter,
    clock: { now: () => now },
    wakeUps: { schedule: async (w) => void wakeUps.push(...w) },
    stopExecution: async (name) => {
      await stop?.(name);
      stopped.push(name);
      await executions.finish(name, { status: 'ABORTED', stoppedAt: new Date(now).toISOString() });
    },
  });
  let seq = 0;
  const rule = (id: string) => ruleSet.rules.find((r) => r.id === id) as Rule;
  const event = (type: string, data: Record<string, unknown>, correlationId?: string): EngineEvent => ({
    id: `e-${String(++seq).padStart(3, '0')}`,
    type,
    source: 't',
    timestamp: new Date(now).toISOString(),
    data,
    ...(correlationId === undefined ? {} : { correlationId }),
  });
  const offer = (ruleId: string, e: EngineEvent) => flow.offer(rule(ruleId), planTriggers(e, [rule(ruleId)])[0] as Trigger);
  /** Delivers every wake-up due by now (and the ones they schedule), as a timer loop would. */
  const tick = async (ms: number) => {
    now += ms;
    for (;;) {
      const due = wakeUps.filter((w) => Date.parse(w.dueAt) <= now);
      if (due.length === 0) return;
      for (const w of due) wakeUps.splice(wakeUps.indexOf(w), 1);
      for (const w of due) await flow.wake(w);
    }
  };
  const end = async (name: string) => {
    await executions.finish(name, { status: 'SUCCEEDED', stoppedAt: new Date(now).toISOString() });
    await flow.release((await executions.get(name)) as NonNullable<Awaited<ReturnType<typeof executions.get>>>);
  };
  return { flow, executions, store, started, stopped, event, offer, tick, end, wakeUps };
}

describe('FlowControl', () => {
  it('debounce: a burst starts once, 2 s after the last event, with that event; the others are skipped as debounced', async () => {
    const t = setUp();
    const events = [t.event('a.changed', { id: 'x' }), t.event('a.changed', { id: 'x' }), t.event('a.changed', { id: 'x' })];
    for (const e of events) {
      expect(await t.offer('debounced', e)).toEqual({ kind: 'queued' });
      await t.tick(500);
    }
    await t.tick(1400);
    expect(t.started).toEqual([]);

    await t.tick(200);

    expect(t.started).toHaveLength(1);
    const execution = await t.executions.get(t.started[0] as string);
    expect(execution).toMatchObject({ status: 'RUNNING', eventId: events[2]?.id });
    expect(await t.store.skipsFor(events[0]?.id as string)).toEqual([{ eventId: events[0]?.id, ruleId: 'debounced', reason: 'debounced' }]);
  });

  it('debounce: maxWait starts one under a burst that never goes quiet', async () => {
    const t = setUp();
    for (let i = 0; i < 12; i++) {
      await t.offer('debounced', t.event('a.changed', { id: 'x' }));
      await t.tick(500);
    }
    // 6 s of events every 0.5 s: maxWait (5 s) started the first window; the second is still open.
    expect(t.started).toHaveLength(1);
  });

  it('debounce: the window is listed as one QUEUED execution, and the same event routed twice changes nothing', async () => {
    const t = setUp();
    const e = t.event('a.changed', { id: 'x' });
    await t.offer('debounced', e);
    await t.offer('debounced', e);

    expect((await t.executions.recent({ limit: 10, status: 'QUEUED' })).executions).toHaveLength(1);
    await t.tick(2000);
    expect(t.started).toHaveLength(1);
  });

  it('throttle: 2 per second; the rest wait in event order and start as slots open; a repeated wake-up starts nothing twice', async () => {
    const t = setUp();
    const events = Array.from({ length: 5 }, () => t.event('r.requested', { tenant: 'acme' }));
    const decisions = [];
    for (const e of events) decisions.push((await t.offer('throttled', e)).kind);
    expect(decisions).toEqual(['started', 'started', 'queued', 'queued', 'queued']);

    await t.tick(1000);
    expect(t.started).toHaveLength(4);
    await t.flow.wake({ ruleId: 'throttled', key: 'v:acme', dueAt: new Date(0).toISOString() });
    expect(t.started).toHaveLength(4);
    await t.tick(1000);

    const eventOf = async (name: string) => (await t.executions.get(name))?.eventId;
    expect(await Promise.all(t.started.map(eventOf))).toEqual(events.map((e) => e.id));
  });

  it('throttle: keys are independent, and a missing key shares the one "no key" bucket', async () => {
    const t = setUp();
    const kinds = [];
    for (const data of [{ tenant: 'a' }, { tenant: 'a' }, { tenant: 'b' }, {}, {}, { tenant: { nested: 1 } }])
      kinds.push((await t.offer('throttled', t.event('r.requested', data))).kind);

    expect(kinds).toEqual(['started', 'started', 'started', 'started', 'started', 'queued']);
  });

  it('concurrency: one running per tenant; an end starts the next; an end never released is healed', async () => {
    const t = setUp();
    const [first, second, third] = [t.event('j.requested', { tenant: 't' }), t.event('j.requested', { tenant: 't' }), t.event('j.requested', { tenant: 't' })];
    expect((await t.offer('serial', first as EngineEvent)).kind).toBe('started');
    expect((await t.offer('serial', second as EngineEvent)).kind).toBe('queued');
    expect((await t.offer('serial', third as EngineEvent)).kind).toBe('queued');

    await t.end(t.started[0] as string);
    expect(t.started).toHaveLength(2);
    // Ended without a release (a crash at that moment): the next look at the key frees the slot.
    await t.executions.finish(t.started[1] as string, { status: 'FAILED', stoppedAt: new Date().toISOString() });
    expect((await t.offer('serial', t.event('j.requested', { tenant: 't' }))).kind).toBe('queued');
    expect(t.started).toHaveLength(3);
  });

  it('rateLimit: 1 per hour admits the first, skips the rest, and admits again after the hour', async () => {
    const t = setUp();
    const kinds = [];
    for (let i = 0; i < 3; i++) kinds.push(await t.offer('limited', t.event('u.registered', { user: 'u' })));
    await t.tick(3_600_001);
    kinds.push(await t.offer('limited', t.event('u.registered', { user: 'u' })));

    expect(kinds.map((k) => (k.kind === 'skipped' ? k.reason : k.kind))).toEqual(['started', 'rate_limited', 'rate_limited', 'started']);
  });

  it('batch: starts with 3 events when full, and a partial batch at its timeout, the events in order', async () => {
    const t = setUp();
    const events = Array.from({ length: 4 }, () => t.event('row.imported', { n: 1 }, 'c'));
    for (const e of events) await t.offer('batched', e);
    expect(t.started).toHaveLength(1);

    await t.tick(5000);

    const inputs = await Promise.all(t.started.map(async (name) => (await t.executions.get(name))?.input.events?.map((e) => e.id)));
    expect(inputs).toEqual([events.slice(0, 3).map((e) => e.id), [events[3]?.id]]);
  });

  it('cancelOn: stops the correlation’s running execution, drops its queued one, leaves other correlations', async () => {
    const t = setUp();
    await t.offer('serial', t.event('j.requested', { tenant: 't' }, 'c-1'));
    await t.offer('serial', t.event('j.requested', { tenant: 't' }, 'c-1'));
    await t.offer('serial', t.event('j.requested', { tenant: 'other' }, 'c-2'));

    const done = await t.flow.cancel(t.event('j.cancelled', {}, 'c-1'));

    expect(done.map((d) => d.outcome).sort()).toEqual(['dropped', 'stopped']);
    expect((await t.executions.byCorrelation('c-1')).map((e) => e.status)).toEqual(['ABORTED', 'ABORTED']);
    expect((await t.executions.byCorrelation('c-2')).map((e) => e.status)).toEqual(['RUNNING']);
    // The dropped one never starts, even when the stopped one frees its slot.
    const stoppedOne = await t.executions.get(t.stopped[0] as string);
    await t.flow.release(stoppedOne as NonNullable<typeof stoppedOne>);
    expect(t.started).toHaveLength(2);
    expect(await t.store.peek({ ruleId: 'serial', key: 'v:t' }, 10)).toEqual([]);
  });

  it('cancelOn: an execution that cannot be stopped (ended meanwhile, an Express workflow) is logged and the cancel goes on; a throttle fails the event, to be retried', async () => {
    const refusing = setUp(async () => {
      throw new ConflictError('Express executions cannot be stopped');
    });
    await refusing.offer('serial', refusing.event('j.requested', { tenant: 't' }, 'c-1'));
    await refusing.offer('serial', refusing.event('j.requested', { tenant: 't' }, 'c-1'));

    const done = await refusing.flow.cancel(refusing.event('j.cancelled', {}, 'c-1'));

    expect(done.map((d) => d.outcome)).toEqual(['dropped']);
    const throttled = setUp(async () => {
      throw new RetryableError('Rate exceeded');
    });
    await throttled.offer('serial', throttled.event('j.requested', { tenant: 't' }, 'c-1'));
    await expect(throttled.flow.cancel(throttled.event('j.cancelled', {}, 'c-1'))).rejects.toThrow(RetryableError);
  });
});
