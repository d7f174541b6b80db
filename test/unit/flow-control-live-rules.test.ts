/**
 * Flow control following managed rules as the AWS home runs it: a routing process and the lifecycle (or wake-up) process
 * each hold their own `RefreshingRuleSet` over one rule store, and share the flow state and execution records. An
 * execution's end releases its slot by the rule recorded on it, read from the live set: a rule created after the lifecycle
 * process started, or changed since the execution started, still lets the next waiting trigger through. Fake clock, SQLite.
 */
import { describe, expect, it } from 'vitest';
import { FlowControl, planTriggers, RefreshingRuleSet, RuleCatalog, type EngineEvent, type FlowStateStore, type Trigger, type WakeUp } from '../../lambdas/core/index.js';
import { GroupCommit } from '../../lambdas/embedded/group-commit.js';
import { openDatabase } from '../../lambdas/embedded/sqlite-database.js';
import { SqliteExecutionStore } from '../../lambdas/embedded/sqlite-execution-store.js';
import { SqliteFlowStateStore } from '../../lambdas/embedded/sqlite-flow-state-store.js';
import { SqliteRuleStore } from '../../lambdas/embedded/sqlite-rule-store.js';

const REFRESH_MS = 10_000;
const WORKFLOWS = new Set(['build_report']);
const SERIAL = { eventType: 'report.requested', workflow: 'build_report', concurrency: { limit: 1, key: 'data.tenant' } };

async function anAwsLikeEngine() {
  const db = openDatabase(':memory:');
  const writes = new GroupCommit(db);
  const rulesStore = new SqliteRuleStore(db);
  const executions = new SqliteExecutionStore(db, writes);
  const store = new SqliteFlowStateStore(db, writes);
  let now = Date.now();
  const clock = { now: () => now };
  const api = await RuleCatalog.open({ store: rulesStore, files: [], workflows: WORKFLOWS, audit: async () => {}, clock });
  const started: string[] = [];
  const starter = {
    async start(trigger: Trigger) {
      const recorded = await executions.record(trigger, new Date(now).toISOString());
      if (recorded) started.push(trigger.executionName);
      return { alreadyStarted: !recorded };
    },
  };
  const wakeUps: WakeUp[] = [];
  let reads = 0;
  const counted: FlowStateStore = {
    read: (bucket) => (reads++, store.read(bucket)),
    write: (bucket, state, expected) => store.write(bucket, state, expected),
    clear: (bucket, expected) => store.clear(bucket, expected),
    enqueue: (bucket, entry) => store.enqueue(bucket, entry),
    peek: (bucket, limit) => store.peek(bucket, limit),
    remove: (bucket, positions) => store.remove(bucket, positions),
    noteSkip: (skip) => store.noteSkip(skip),
    skipsFor: (eventId) => store.skipsFor(eventId),
  };
  /** One process (one Lambda container): its own rule set, refreshed at most every REFRESH_MS. */
  const aProcess = () => {
    const ruleSet = new RefreshingRuleSet({
      files: { rules: [], route: () => [] },
      open: () => RuleCatalog.open({ store: rulesStore, files: [], workflows: WORKFLOWS, audit: async () => {}, clock }),
      clock,
      refreshMs: REFRESH_MS,
    });
    const flow = new FlowControl({
      ruleSet,
      refreshRules: () => ruleSet.fresh(),
      confirmRules: () => ruleSet.confirm(),
      store: counted,
      executions,
      starter,
      clock,
      wakeUps: { schedule: async (w) => void wakeUps.push(...w) },
    });
    return { ruleSet, flow };
  };
  const router = aProcess();
  let seq = 0;
  /** Routes one event as the router does: the set refreshed, each matching rule's trigger offered to flow control. */
  const route = async (data: Record<string, unknown>) => {
    const event: EngineEvent = { id: `e-${++seq}`, type: 'report.requested', source: 't', timestamp: new Date(now).toISOString(), data };
    await router.ruleSet.fresh();
    const rules = router.ruleSet.route(event);
    const decisions = [];
    for (const trigger of planTriggers(event, rules)) decisions.push((await router.flow.offer(rules.find((r) => r.id === trigger.ruleId) as never, trigger)).kind);
    return decisions;
  };
  /** An execution ends, told to `process` as the lifecycle function is told of it. */
  const end = async (process: ReturnType<typeof aProcess>, name: string) => {
    await executions.finish(name, { status: 'SUCCEEDED', stoppedAt: new Date(now).toISOString() });
    await process.flow.release((await executions.get(name)) as NonNullable<Awaited<ReturnType<typeof executions.get>>>);
  };
  return { api, aProcess, route, end, started, executions, advance: (ms: number) => void (now += ms), reads: () => reads };
}

describe('flow control on managed rules, released by another process', () => {
  it('a managed rule created after the lifecycle process started: an end frees its slot and starts the next waiting trigger', async () => {
    const engine = await anAwsLikeEngine();
    const lifecycle = engine.aProcess();
    await lifecycle.ruleSet.fresh(); // warm, before the rule exists
    engine.advance(1_000);
    await engine.api.put('serial-reports', SERIAL, { by: 'admin' });
    engine.advance(REFRESH_MS);

    expect(await engine.route({ tenant: 'acme' })).toEqual(['started']);
    expect(await engine.route({ tenant: 'acme' })).toEqual(['queued']);
    await engine.end(lifecycle, engine.started[0] as string);

    expect(engine.started).toHaveLength(2);
    expect((await engine.executions.get(engine.started[1] as string))?.status).toBe('RUNNING');
  });

  it('a rule changed since the start (concurrency replaced by a throttle on the same key): the end frees the slot it held and what waited starts', async () => {
    const engine = await anAwsLikeEngine();
    await engine.api.put('serial-reports', SERIAL, { by: 'admin' });
    expect(await engine.route({ tenant: 'acme' })).toEqual(['started']);
    expect(await engine.route({ tenant: 'acme' })).toEqual(['queued']);
    expect(await engine.route({ tenant: 'acme' })).toEqual(['queued']);
    const first = engine.started[0] as string;
    expect((await engine.executions.get(first))?.ruleVersion).toBe(1);

    await engine.api.put(
      'serial-reports',
      { eventType: SERIAL.eventType, workflow: SERIAL.workflow, throttle: { limit: 10, period: '1s', key: 'data.tenant' } },
      { by: 'admin' },
    );
    engine.advance(REFRESH_MS);
    await engine.end(engine.aProcess(), first);

    expect(engine.started).toHaveLength(3);
  });

  it('a rule changed since the start (limit raised): the slot is freed and as many waiting triggers start as the new limit allows', async () => {
    const engine = await anAwsLikeEngine();
    await engine.api.put('serial-reports', SERIAL, { by: 'admin' });
    for (let i = 0; i < 4; i++) await engine.route({ tenant: 'acme' });
    expect(engine.started).toHaveLength(1);

    await engine.api.put('serial-reports', { ...SERIAL, concurrency: { limit: 2, key: 'data.tenant' } }, { by: 'admin' });
    engine.advance(REFRESH_MS);
    await engine.end(engine.aProcess(), engine.started[0] as string);

    expect(engine.started).toHaveLength(3);
  });

  it('the lifecycle process whose set predates the rule reads the rules again at the end, rather than taking the rule for deleted', async () => {
    const engine = await anAwsLikeEngine();
    const lifecycle = engine.aProcess();
    await lifecycle.ruleSet.fresh();
    await engine.api.put('serial-reports', SERIAL, { by: 'admin' });
    await engine.route({ tenant: 'acme' });
    await engine.route({ tenant: 'acme' });

    // The lifecycle's set is younger than REFRESH_MS and does not know the rule: the end confirms the set, frees the slot
    // and starts the waiting trigger (it is not ended as a deleted rule's).
    await engine.end(lifecycle, engine.started[0] as string);
    expect(engine.started).toHaveLength(2);
    expect((await engine.executions.get(engine.started[1] as string))?.status).toBe('RUNNING');
  });

  it('a deleted rule: the end is recorded and frees nothing; a rule of the same id, created again, heals the stale slot', async () => {
    const engine = await anAwsLikeEngine();
    await engine.api.put('serial-reports', SERIAL, { by: 'admin' });
    await engine.route({ tenant: 'acme' });
    await engine.api.delete('serial-reports', { by: 'admin' });
    engine.advance(REFRESH_MS);

    await expect(engine.end(engine.aProcess(), engine.started[0] as string)).resolves.toBeUndefined();
    await engine.api.put('serial-reports', SERIAL, { by: 'admin' });
    engine.advance(REFRESH_MS);

    expect(await engine.route({ tenant: 'acme' })).toEqual(['started']);
  });

  it('an unchanged rule without concurrency: its executions’ ends read no flow state', async () => {
    const engine = await anAwsLikeEngine();
    await engine.api.put('plain-reports', { eventType: SERIAL.eventType, workflow: SERIAL.workflow }, { by: 'admin' });
    await engine.route({ tenant: 'acme' });
    const before = engine.reads();

    await engine.end(engine.aProcess(), engine.started[0] as string);

    expect(engine.reads()).toBe(before);
  });
});
