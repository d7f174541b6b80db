/**
 * Flow control when a managed rule changes or goes while its triggers wait (docs/rules.md, "Rules changed while triggers
 * wait"): a deleted or disabled rule's waiting triggers end ABORTED at the next wake-up or end, a rule whose flow fields
 * were removed starts them, a changed key still drains the old buckets. Core's FlowControl on SQLite, a fake clock, rules
 * changed through the rules API's catalog; the wake-ups are collected and delivered by the test.
 */
import { describe, expect, it } from 'vitest';
import {
  FlowControl,
  planTriggers,
  RefreshingRuleSet,
  RULE_REMOVED_ERROR,
  RuleCatalog,
  type EngineEvent,
  type RuleDocument,
  type Trigger,
  type WakeUp,
} from '../../lambdas/core/index.js';
import { GroupCommit } from '../../lambdas/embedded/group-commit.js';
import { openDatabase } from '../../lambdas/embedded/sqlite-database.js';
import { SqliteExecutionStore } from '../../lambdas/embedded/sqlite-execution-store.js';
import { SqliteFlowStateStore } from '../../lambdas/embedded/sqlite-flow-state-store.js';
import { SqliteRuleStore } from '../../lambdas/embedded/sqlite-rule-store.js';

const ID = 'r';
const REFRESH_MS = 10_000;
const WORKFLOWS = new Set(['w']);
const rule = (fields: Record<string, unknown> = {}): RuleDocument => ({ eventType: 'thing.happened', workflow: 'w', ...fields });

/**
 * One rule store and one State shared by the rules API and two flow-control processes. `live`: the embedded engine's
 * (the catalog's own set, always current). `aws()`: a routing function's, on a `RefreshingRuleSet` up to REFRESH_MS late,
 * confirmed before it ends or starts what waits for a rule it does not find.
 */
async function anEngine() {
  const db = openDatabase(':memory:');
  const writes = new GroupCommit(db);
  const rules = new SqliteRuleStore(db);
  const executions = new SqliteExecutionStore(db, writes);
  const store = new SqliteFlowStateStore(db, writes);
  let now = Date.now();
  const clock = { now: () => now };
  const open = () => RuleCatalog.open({ store: rules, files: [], workflows: WORKFLOWS, audit: async () => {}, clock });
  const api = await open();
  const wakeUps: WakeUp[] = [];
  const starter = {
    start: async (trigger: Trigger) => ({ alreadyStarted: !(await executions.record(trigger, new Date(now).toISOString())) }),
  };
  const parts = { store, executions, starter, clock, wakeUps: { schedule: async (w: readonly WakeUp[]) => void wakeUps.push(...w) } };
  const live = new FlowControl({ ruleSet: api.ruleSet, ...parts });
  const aws = (reads: { fail?: boolean } = {}) => {
    const ruleSet = new RefreshingRuleSet({ files: { rules: [], route: () => [] }, open, clock, refreshMs: REFRESH_MS });
    const confirmRules = () => (reads.fail === true ? Promise.reject(new Error('the State table is throttled')) : ruleSet.confirm());
    return { ruleSet, flow: new FlowControl({ ruleSet, refreshRules: () => ruleSet.fresh(), confirmRules, ...parts }) };
  };
  let seq = 0;
  const names: string[] = [];
  /** Routes one event through the live set into `flow`; returns the execution name each trigger got. */
  const route = async (data: Record<string, unknown>, flow = live) => {
    const event: EngineEvent = { id: `e-${++seq}`, type: 'thing.happened', source: 't', timestamp: new Date(now).toISOString(), data };
    const matched = api.ruleSet.route(event);
    for (const trigger of planTriggers(event, matched)) {
      await flow.offer(matched.find((r) => r.id === trigger.ruleId) as never, trigger);
      names.push(trigger.executionName);
    }
    return event;
  };
  /** Delivers the wake-ups due by now (each once), as the timer loop or the wake-up queue does. */
  const wake = async (flow = live) => {
    const due = wakeUps.filter((w) => Date.parse(w.dueAt) <= now);
    for (const w of due) wakeUps.splice(wakeUps.indexOf(w), 1);
    for (const w of due) await flow.wake(w);
  };
  const end = async (name: string, flow = live) => {
    await executions.finish(name, { status: 'SUCCEEDED', stoppedAt: new Date(now).toISOString() });
    await flow.release((await executions.get(name)) as NonNullable<Awaited<ReturnType<typeof executions.get>>>);
  };
  const all = async () => (await executions.recent({ limit: 100 })).executions;
  const statuses = async () => (await all()).map((e) => e.status).sort();
  const put = (fields: Record<string, unknown>) => api.put(ID, rule(fields), { by: 'admin' });
  return { api, put, aws, live, route, wake, end, all, statuses, store, executions, wakeUps, advance: (ms: number) => void (now += ms) };
}

const DEBOUNCE = { debounce: { period: '2s', key: 'data.tenant' } };
const SERIAL = { concurrency: { limit: 1, key: 'data.tenant' } };

describe('a rule deleted or disabled while its triggers wait', () => {
  it('deleted: the open debounce window ends ABORTED at its wake-up, with the cause, a rule_removed skip and nothing left in the bucket', async () => {
    const engine = await anEngine();
    await engine.put(DEBOUNCE);
    await engine.route({ tenant: 'acme' });
    const last = await engine.route({ tenant: 'acme' });
    await engine.api.delete(ID, { by: 'admin' });
    engine.advance(2_000);
    await engine.wake();

    const [window] = await engine.all();
    expect(window).toMatchObject({ status: 'ABORTED', error: { error: RULE_REMOVED_ERROR, cause: 'rule deleted' } });
    expect(await engine.store.skipsFor(last.id)).toEqual([{ eventId: last.id, ruleId: ID, reason: 'rule_removed' }]);
    expect(await engine.store.read({ ruleId: ID, key: 'v:acme' })).toBeUndefined();
  });

  it('disabled: the waiting triggers are dropped, not kept for a re-enable, and the cause says disabled', async () => {
    const engine = await anEngine();
    await engine.put({ throttle: { limit: 1, period: '1s', key: 'data.tenant' } });
    for (let i = 0; i < 3; i++) await engine.route({ tenant: 'acme' });
    await engine.api.patch(ID, { enabled: false }, { by: 'admin' });
    engine.advance(1_000);
    await engine.wake();
    await engine.api.patch(ID, { enabled: true }, { by: 'admin' });
    engine.advance(5_000);
    await engine.wake();

    expect(await engine.statuses()).toEqual(['ABORTED', 'ABORTED', 'RUNNING']);
    expect((await engine.all()).filter((e) => e.status === 'ABORTED').map((e) => e.error?.cause)).toEqual(['rule disabled', 'rule disabled']);
    expect(await engine.store.peek({ ruleId: ID, key: 'v:acme' }, 10)).toEqual([]);
  });

  it('deleted: what waits behind a concurrency slot ends ABORTED when the running execution ends', async () => {
    const engine = await anEngine();
    await engine.put(SERIAL);
    for (let i = 0; i < 3; i++) await engine.route({ tenant: 'acme' });
    await engine.api.delete(ID, { by: 'admin' });
    await engine.end((await engine.all()).find((e) => e.status === 'RUNNING')?.name as string);

    expect(await engine.statuses()).toEqual(['ABORTED', 'ABORTED', 'SUCCEEDED']);
  });

  it('a batch window: every event of it is noted rule_removed, its one record ABORTED', async () => {
    const engine = await anEngine();
    await engine.put({ batch: { maxSize: 10, timeout: '5s', key: 'data.tenant' } });
    const events = [await engine.route({ tenant: 'acme' }), await engine.route({ tenant: 'acme' })];
    await engine.api.delete(ID, { by: 'admin' });
    engine.advance(5_000);
    await engine.wake();

    expect(await engine.statuses()).toEqual(['ABORTED']);
    for (const event of events) expect((await engine.store.skipsFor(event.id)).map((s) => s.reason)).toEqual(['rule_removed']);
    expect(await engine.store.peek({ ruleId: ID, key: 'batch:v:acme' }, 10)).toEqual([]);
  });

  it('a record no longer QUEUED (stopped through the API meanwhile) is left as it is, and no skip is noted for it', async () => {
    const engine = await anEngine();
    await engine.put(DEBOUNCE);
    const event = await engine.route({ tenant: 'acme' });
    const [window] = await engine.all();
    await engine.executions.finish(window?.name as string, { status: 'ABORTED', stoppedAt: new Date().toISOString(), error: { error: 'by hand' } });
    await engine.api.delete(ID, { by: 'admin' });
    engine.advance(2_000);
    await engine.wake();

    expect((await engine.all())[0]?.error).toEqual({ error: 'by hand' });
    expect(await engine.store.skipsFor(event.id)).toEqual([]);
  });
});

describe('a rule whose flow-control fields were removed', () => {
  it('its open debounce window starts at the wake-up, with the last event', async () => {
    const engine = await anEngine();
    await engine.put(DEBOUNCE);
    await engine.route({ tenant: 'acme' });
    const last = await engine.route({ tenant: 'acme' });
    await engine.put({});
    engine.advance(2_000);
    await engine.wake();

    const [started] = await engine.all();
    expect(started?.status).toBe('RUNNING');
    expect((await engine.executions.get(started?.name as string))?.input.event.id).toBe(last.id);
  });

  it('its open batch starts at the wake-up with every event it collected, not waiting for its timeout', async () => {
    const engine = await anEngine();
    await engine.put({ batch: { maxSize: 10, timeout: '1m', key: 'data.tenant' } });
    const events = [await engine.route({ tenant: 'acme' }), await engine.route({ tenant: 'acme' })];
    await engine.put({});
    // The batch's own wake-up is due at its timeout; delivered a minute early (as a timer may be), it starts the batch.
    const [wakeUp] = engine.wakeUps;
    await engine.live.wake(wakeUp as WakeUp);

    const batch = (await engine.all()).find((e) => e.eventId === events[0]?.id || e.eventId === events[1]?.id);
    expect(batch?.status).toBe('RUNNING');
    expect((await engine.executions.get(batch?.name as string))?.input.events?.map((e) => e.id)).toEqual(events.map((e) => e.id));
  });

  it('what waits behind a concurrency slot starts when the running execution ends, all of it, in event order', async () => {
    const engine = await anEngine();
    await engine.put(SERIAL);
    const events = [];
    for (let i = 0; i < 4; i++) events.push(await engine.route({ tenant: 'acme' }));
    await engine.put({});
    await engine.end((await engine.all()).find((e) => e.status === 'RUNNING')?.name as string);

    const running = (await engine.all()).filter((e) => e.status === 'RUNNING');
    expect(running.map((e) => e.eventId).sort()).toEqual(events.slice(1).map((e) => e.id));
    // Started in event order: each start time is no earlier than the one before it, in the order of the events.
    const byEvent = events.slice(1).map((e) => running.find((r) => r.eventId === e.id)?.startedAt as string);
    expect([...byEvent].sort()).toEqual(byEvent);
  });
});

describe('a rule whose key changed', () => {
  it('the old bucket’s debounce window still starts at its wake-up, at the end it was given', async () => {
    const engine = await anEngine();
    await engine.put(DEBOUNCE);
    await engine.route({ tenant: 'acme', region: 'eu' });
    await engine.put({ debounce: { period: '10s', key: 'data.region' } });
    engine.advance(2_000);
    await engine.wake();

    expect(await engine.statuses()).toEqual(['RUNNING']);
  });

  it('what waits behind a concurrency slot in the old bucket starts as the old bucket’s executions end', async () => {
    const engine = await anEngine();
    await engine.put(SERIAL);
    for (let i = 0; i < 3; i++) await engine.route({ tenant: 'acme', region: 'eu' });
    await engine.put({ concurrency: { limit: 1, key: 'data.region' } });

    await engine.end((await engine.all()).find((e) => e.status === 'RUNNING')?.name as string);
    expect(await engine.statuses()).toEqual(['QUEUED', 'RUNNING', 'SUCCEEDED']);
    await engine.end((await engine.all()).find((e) => e.status === 'RUNNING')?.name as string);
    expect(await engine.statuses()).toEqual(['RUNNING', 'SUCCEEDED', 'SUCCEEDED']);
  });

  it('a batch window meets the rule changed to debounce: the next event fires the batch before it opens its own window', async () => {
    const engine = await anEngine();
    await engine.put({ batch: { maxSize: 10, timeout: '5s', key: 'data.tenant' } });
    await engine.route({ tenant: 'acme' });
    await engine.put(DEBOUNCE);
    await engine.route({ tenant: 'acme' });

    expect(await engine.statuses()).toEqual(['QUEUED', 'RUNNING']);
  });
});

describe('a process whose rule set is older than the change (AWS)', () => {
  it('a wake-up for a rule created after its set was read confirms the set and starts the window, ending nothing', async () => {
    const engine = await anEngine();
    const waker = engine.aws();
    await waker.ruleSet.fresh(); // read before the rule exists
    await engine.put(DEBOUNCE);
    await engine.route({ tenant: 'acme' });
    engine.advance(2_000);
    await engine.wake(waker.flow);

    expect(await engine.statuses()).toEqual(['RUNNING']);
  });

  it('when the rules cannot be read the wake-up fails (to be delivered again) and ends nothing', async () => {
    const engine = await anEngine();
    const reads = { fail: true };
    const waker = engine.aws(reads);
    await engine.put(DEBOUNCE);
    await engine.route({ tenant: 'acme' });
    await engine.api.delete(ID, { by: 'admin' });
    engine.advance(2_000);
    const [wakeUp] = engine.wakeUps;

    await expect(waker.flow.wake(wakeUp as WakeUp)).rejects.toThrow('throttled');
    expect(await engine.statuses()).toEqual(['QUEUED']);
    reads.fail = false;
    await waker.flow.wake(wakeUp as WakeUp);
    expect(await engine.statuses()).toEqual(['ABORTED']);
  });
});
