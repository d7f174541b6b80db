/**
 * "End only if still QUEUED": a stop of a QUEUED execution, and `cancelOn`'s drop of a queued trigger, race a
 * flow-control start landing between their read of the record and their write. The store here is the real SQLite one,
 * wrapped so that the start lands exactly there; the stop then loses the drop and stops the running execution instead
 * (never a running execution recorded ABORTED while it runs).
 */
import { describe, expect, it } from 'vitest';
import {
  compileRules,
  ExecutionActions,
  ExecutionLifecycle,
  FlowControl,
  parseRules,
  planTriggers,
  queuedStops,
  type EngineEvent,
  type ExecutionEnd,
  type RedriveOutcome,
  type Rule,
  type StopCause,
  type StoredExecution,
  type Trigger,
  type WorkflowControl,
} from '../../lambdas/core/index.js';
import { GroupCommit } from '../../lambdas/embedded/group-commit.js';
import { openDatabase } from '../../lambdas/embedded/sqlite-database.js';
import { SqliteExecutionStore } from '../../lambdas/embedded/sqlite-execution-store.js';

const RULES = `rules:
  - { id: serial, eventType: j.requested, workflow: w, concurrency: { limit: 1, key: data.tenant }, cancelOn: [{ eventType: j.cancelled }] }
`;

function setUp() {
  const db = openDatabase(':memory:');
  const store = new SqliteExecutionStore(db, new GroupCommit(db));
  let now = Date.now();
  const clock = { now: () => now };
  const iso = () => new Date(now).toISOString();
  /** Triggers whose start lands just before the next conditional drop of their record. */
  const startsBeforeDrop = new Map<string, Trigger>();
  const executions = {
    get: (name: string) => store.get(name),
    hold: (trigger: Trigger, at: string) => store.hold(trigger, at),
    byCorrelation: (correlationId: string) => store.byCorrelation(correlationId),
    async finishIfQueued(name: string, end: ExecutionEnd): Promise<boolean> {
      const trigger = startsBeforeDrop.get(name);
      if (trigger !== undefined) {
        startsBeforeDrop.delete(name);
        now += 1000;
        await store.record(trigger, iso());
      }
      return store.finishIfQueued(name, end);
    },
  };
  const stopped: Array<{ name: string; cause: StopCause }> = [];
  const control: WorkflowControl = {
    async stop(execution: StoredExecution, cause: StopCause) {
      stopped.push({ name: execution.name, cause });
      return true;
    },
    async redrive(): Promise<RedriveOutcome> {
      throw new Error('not in these tests');
    },
  };
  const events: EngineEvent[] = [];
  const lifecycle = new ExecutionLifecycle({ executions: store, events: { put: async (e) => (events.push(e), { id: e.id, duplicate: false }) }, clock });
  const skips: string[] = [];
  const skipped: string[] = [];
  const queued = queuedStops({
    executions,
    skips: { noteSkip: async (skip) => void skips.push(`${skip.eventId}:${skip.reason}`) },
    metrics: { countLabelled: (name, labels) => void skipped.push(`${name}:${labels.reason}`) },
    clock,
  });
  const actions = new ExecutionActions({ executions: store, control, lifecycle, clock, queued });
  const ruleSet = compileRules(parseRules(RULES, 'flow.yaml'));
  const rule = ruleSet.rules[0] as Rule;
  const flow = new FlowControl({
    ruleSet,
    store: { noteSkip: async (skip: { eventId: string; reason: string }) => void skips.push(`${skip.eventId}:${skip.reason}`) } as never,
    executions,
    starter: { start: async () => ({ alreadyStarted: false }) },
    clock,
    wakeUps: { schedule: async () => undefined },
    stopExecution: (name, cause) => actions.stopExecution(name, cause),
  });
  let seq = 0;
  /** A trigger of `serial` held QUEUED (as flow control holds one) for a fresh event of `correlationId`. */
  const held = async (correlationId: string): Promise<Trigger> => {
    const event: EngineEvent = { id: `e-${++seq}`, type: 'j.requested', source: 't', timestamp: iso(), data: { tenant: 't' }, correlationId };
    const trigger = planTriggers(event, [rule])[0] as Trigger;
    await store.hold(trigger, iso());
    return trigger;
  };
  return { store, actions, flow, held, startsBeforeDrop, stopped, events, skips, skipped };
}

describe('stopping a QUEUED execution while flow control starts it', () => {
  it('drops it when it is still QUEUED at the write: ABORTED, the skip noted, nothing stopped where executions run', async () => {
    const t = setUp();
    const trigger = await t.held('c-1');

    const { execution } = await t.actions.stop(trigger.executionName, 'ops@example.com');

    expect(execution).toMatchObject({ status: 'ABORTED', error: { error: 'edwe.Stopped', cause: 'stopped by ops@example.com' } });
    expect(t.stopped).toEqual([]);
    expect(t.skips).toEqual([`${trigger.input.event.id}:cancelled`]);
    expect(t.skipped).toEqual(['TriggersSkipped:cancelled']);
  });

  it('a start landing between the read and the write wins: the stop goes on to stop the running execution, not a drop', async () => {
    const t = setUp();
    const trigger = await t.held('c-1');
    t.startsBeforeDrop.set(trigger.executionName, trigger);

    const { execution } = await t.actions.stop(trigger.executionName, 'ops@example.com');

    expect(t.stopped).toEqual([{ name: trigger.executionName, cause: { error: 'edwe.Stopped', cause: 'stopped by ops@example.com' } }]);
    expect(execution).toMatchObject({ status: 'ABORTED', error: { error: 'edwe.Stopped' } });
    // No skip noted for a trigger that did start; its workflow.aborted event comes from the run's end.
    expect(t.skips).toEqual([]);
    expect(t.skipped).toEqual([]);
    expect(t.events.map((e) => e.type)).toEqual(['workflow.aborted']);
  });
});

describe("cancelOn's drop of a queued trigger while flow control starts it", () => {
  it('a start landing between the listing and the drop wins: the execution is stopped as a running one ("stopped", not "dropped")', async () => {
    const t = setUp();
    const racing = await t.held('c-1');
    const waiting = await t.held('c-1');
    t.startsBeforeDrop.set(racing.executionName, racing);

    const done = await t.flow.cancel({ id: 'e-cancel', type: 'j.cancelled', source: 't', timestamp: new Date().toISOString(), data: {}, correlationId: 'c-1' });

    expect(done).toHaveLength(2);
    expect(done).toEqual(
      expect.arrayContaining([
        { name: racing.executionName, ruleId: 'serial', outcome: 'stopped' },
        { name: waiting.executionName, ruleId: 'serial', outcome: 'dropped' },
      ]),
    );
    expect(t.stopped.map((s) => s.name)).toEqual([racing.executionName]);
    expect(t.stopped[0]?.cause).toEqual({ error: 'edwe.Cancelled', cause: 'cancelled by event e-cancel (j.cancelled)' });
    expect((await t.store.get(racing.executionName))?.status).toBe('ABORTED');
    expect((await t.store.get(waiting.executionName))?.status).toBe('ABORTED');
    expect(t.skips).toEqual([`${waiting.input.event.id}:cancelled`]);
  });
});
