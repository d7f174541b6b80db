/**
 * ExecutionActions, the one implementation of stop and redrive: which executions may be stopped or redriven, what the
 * record keeps (count, history, status), how a home's refusal is undone, and the lifecycle events each run leaves.
 * The home is a fake WorkflowControl; the records are the SQLite store.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConflictError,
  ExecutionActions,
  ExecutionLifecycle,
  executionName,
  NotFoundError,
  queuedStops,
  type EngineEvent,
  type FlowSkip,
  type RedriveOutcome,
  type StopCause,
  type StoredExecution,
  type Trigger,
  type WorkflowControl,
} from '../../lambdas/core/index.js';
import { GroupCommit } from '../../lambdas/embedded/group-commit.js';
import { openDatabase, type SqliteDatabase } from '../../lambdas/embedded/sqlite-database.js';
import { SqliteExecutionStore } from '../../lambdas/embedded/sqlite-execution-store.js';

const NOW = Date.now();
const at = (second: number): string => new Date(NOW + second * 1000).toISOString();

/** A home that records what it was asked, and answers as told. */
class FakeControl implements WorkflowControl {
  readonly stops: Array<{ name: string; cause: StopCause }> = [];
  readonly redrives: Array<{ name: string; redriveCount: number }> = [];
  /** What a stop does where the execution runs (the embedded runner reports its end itself). */
  onStop: (execution: StoredExecution) => Promise<boolean> = async () => true;
  onRedrive: (execution: StoredExecution) => Promise<RedriveOutcome> = async (e) => ({ kind: 'resumed', executionName: e.name, redriveCount: (e.redriveCount ?? 0) + 1 });

  async stop(execution: StoredExecution, cause: StopCause): Promise<boolean> {
    this.stops.push({ name: execution.name, cause });
    return this.onStop(execution);
  }

  async redrive(execution: StoredExecution): Promise<RedriveOutcome> {
    this.redrives.push({ name: execution.name, redriveCount: execution.redriveCount ?? 0 });
    return this.onRedrive(execution);
  }
}

let db: SqliteDatabase | undefined;
afterEach(() => db?.close());

function setUp(options: { queued?: boolean } = {}) {
  db = openDatabase(':memory:');
  const executions = new SqliteExecutionStore(db, new GroupCommit(db));
  const events = new Map<string, EngineEvent>();
  const clock = { now: () => NOW + 60_000 };
  const lifecycle = new ExecutionLifecycle({
    executions,
    events: {
      put: async (event) => {
        const duplicate = events.has(event.id);
        events.set(event.id, event);
        return { duplicate } as never;
      },
    },
    clock,
  });
  const control = new FakeControl();
  const skips: FlowSkip[] = [];
  const queued = options.queued ? queuedStops({ executions, skips: { noteSkip: async (skip) => void skips.push(skip) }, clock }) : undefined;
  const actions = new ExecutionActions({ executions, control, lifecycle, clock, ...(queued === undefined ? {} : { queued }) });
  let n = 0;
  const held = async (): Promise<Trigger> => {
    const event = { id: `evt-${++n}`, type: 'order.placed', source: 'shop', timestamp: at(0), data: {} };
    const trigger = {
      workflowId: 'order_fulfilment',
      ruleId: 'fulfil-order',
      executionName: executionName('fulfil-order', event.id),
      input: { event, rule: { id: 'fulfil-order', priority: 0 }, correlationId: 'o-1' },
    };
    await executions.hold(trigger, at(0));
    return trigger;
  };
  const started = async (end?: 'FAILED' | 'SUCCEEDED' | 'TIMED_OUT' | 'ABORTED'): Promise<Trigger> => {
    const event = { id: `evt-${++n}`, type: 'order.placed', source: 'shop', timestamp: at(0), data: {} };
    const trigger = {
      workflowId: 'order_fulfilment',
      ruleId: 'fulfil-order',
      executionName: executionName('fulfil-order', event.id),
      input: { event, rule: { id: 'fulfil-order', priority: 0 }, correlationId: 'o-1' },
    };
    await executions.record(trigger, at(0));
    if (end !== undefined) {
      const states = [
        { name: 'Reserve', enteredAt: at(1), exitedAt: at(2), status: 'SUCCEEDED' as const },
        { name: 'Charge', enteredAt: at(2), exitedAt: at(3), status: 'FAILED' as const },
      ];
      await executions.finish(trigger.executionName, { status: end, stoppedAt: at(3), error: { error: 'Boom' }, states });
    }
    return trigger;
  };
  // The runner reports a stop's end through the lifecycle, as the embedded runner does.
  control.onStop = async (execution) => {
    await lifecycle.onChange({ name: execution.name, status: 'ABORTED', startedAt: execution.startedAt, stoppedAt: at(30), error: { error: 'States.Aborted' } });
    return true;
  };
  return { executions, actions, control, events, started, held, skips, lifecycle };
}

describe('ExecutionActions.stop', () => {
  it('stops a RUNNING execution where it runs: ABORTED, and a workflow.aborted event', async () => {
    const { actions, control, events, started } = setUp();
    const running = await started();

    const { execution } = await actions.stop(running.executionName, 'ops@example.com');

    expect(control.stops).toEqual([{ name: running.executionName, cause: { error: 'edwe.Stopped', cause: 'stopped by ops@example.com' } }]);
    expect(execution).toMatchObject({ name: running.executionName, status: 'ABORTED' });
    expect(events.get(`${running.executionName}.aborted`)?.type).toBe('workflow.aborted');
  });

  it('records the end itself when the home stopped it without reporting one (Step Functions reports later)', async () => {
    const { actions, control, started, executions } = setUp();
    const running = await started();
    control.onStop = async () => false;

    const { execution } = await actions.stopExecution(running.executionName, { error: 'flow.Cancelled', cause: 'order.cancelled arrived' });

    expect(execution).toMatchObject({ status: 'ABORTED', error: { error: 'flow.Cancelled', cause: 'order.cancelled arrived' } });
    expect((await executions.get(running.executionName))?.status).toBe('ABORTED');
  });

  it('answers 404 for an unknown execution and 409 for one that has ended, without touching the home', async () => {
    const { actions, control, started } = setUp();
    const done = await started('SUCCEEDED');

    await expect(actions.stop('no-such-execution', 'ops')).rejects.toThrow(NotFoundError);
    await expect(actions.stop(done.executionName, 'ops')).rejects.toThrow(ConflictError);
    await expect(actions.stop(done.executionName, 'ops')).rejects.toThrow(/SUCCEEDED: only a RUNNING execution can be stopped/);
    expect(control.stops).toEqual([]);
  });
});

describe('ExecutionActions.stop of a QUEUED execution (flow control holds it)', () => {
  it('ends it ABORTED where flow control holds it, with a workflow.aborted event and the skip noted; the home is not asked', async () => {
    const { actions, control, events, held, skips } = setUp({ queued: true });
    const waiting = await held();

    const { execution } = await actions.stop(waiting.executionName, 'ops@example.com');

    expect(execution).toMatchObject({ name: waiting.executionName, status: 'ABORTED', error: { error: 'edwe.Stopped', cause: 'stopped by ops@example.com' } });
    expect(events.get(`${waiting.executionName}.aborted`)).toMatchObject({ type: 'workflow.aborted', data: { executionName: waiting.executionName } });
    expect(skips).toEqual([{ eventId: waiting.input.event.id, ruleId: 'fulfil-order', reason: 'cancelled' }]);
    expect(control.stops).toEqual([]);
  });

  it('stops it where it runs when it started between the read and the stop', async () => {
    const { actions, control, executions, held } = setUp({ queued: true });
    const waiting = await held();
    const read = executions.get.bind(executions);
    let reads = 0;
    // The first read still sees it QUEUED; flow control starts it before the hook acts.
    executions.get = async (name) => {
      const record = await read(name);
      if (++reads === 1 && record !== undefined) await executions.record(waiting, at(5));
      return record;
    };

    const { execution } = await actions.stop(waiting.executionName, 'ops');

    expect(control.stops.map((s) => s.name)).toEqual([waiting.executionName]);
    expect(execution.status).toBe('ABORTED');
  });

  it('answers 409 where nothing holds a queue (no hook)', async () => {
    const { actions, held } = setUp();
    const waiting = await held();

    await expect(actions.stop(waiting.executionName, 'ops')).rejects.toThrow(/QUEUED and nothing here holds a queue/);
  });
});

describe('ExecutionActions.redrive', () => {
  it('resumes a FAILED execution: RUNNING again, count 1, the history names who, when and the failed state; the redriven run has its own lifecycle events', async () => {
    const { actions, control, events, started, lifecycle, executions } = setUp();
    const failed = await started('FAILED');

    const { execution, outcome } = await actions.redrive(failed.executionName, 'ops@example.com');

    expect(outcome).toEqual({ kind: 'resumed', executionName: failed.executionName, redriveCount: 1 });
    expect(control.redrives).toEqual([{ name: failed.executionName, redriveCount: 0 }]);
    expect(execution).toMatchObject({
      status: 'RUNNING',
      redriveCount: 1,
      redrives: [{ at: new Date(NOW + 60_000).toISOString(), by: 'ops@example.com', fromState: 'Charge', executionName: failed.executionName }],
    });
    expect(execution).not.toHaveProperty('error');
    expect(events.get(`${failed.executionName}.redrive-1.started`)?.data).toMatchObject({ redriveCount: 1, status: 'RUNNING' });

    await lifecycle.onChange({ name: failed.executionName, status: 'SUCCEEDED', startedAt: at(0), stoppedAt: at(90), output: { ok: true } });

    expect((await executions.get(failed.executionName))?.status).toBe('SUCCEEDED');
    expect(events.get(`${failed.executionName}.redrive-1.succeeded`)?.type).toBe('workflow.succeeded');
  });

  it('ignores a late repeat of the first run’s end once the execution is redriven: the redriven run stays RUNNING', async () => {
    const { actions, started, lifecycle, executions } = setUp();
    const failed = await started('FAILED');
    await actions.redrive(failed.executionName, 'ops');

    const late = await lifecycle.onChange({ name: failed.executionName, status: 'FAILED', startedAt: at(0), stoppedAt: at(3), error: { error: 'Boom' } });

    expect(late.kind).toBe('ignored');
    expect((await executions.get(failed.executionName))?.status).toBe('RUNNING');
  });

  it('redrives TIMED_OUT and ABORTED executions too, and counts each redrive', async () => {
    const { actions, started, lifecycle } = setUp();
    const timedOut = await started('TIMED_OUT');
    const aborted = await started('ABORTED');

    await actions.redrive(timedOut.executionName, 'ops');
    await lifecycle.onChange({ name: timedOut.executionName, status: 'FAILED', startedAt: at(0), stoppedAt: at(90), error: { error: 'Again' } });
    const second = await actions.redrive(timedOut.executionName, 'ops');
    const third = await actions.redrive(aborted.executionName, 'ops');

    expect(second.execution).toMatchObject({ status: 'RUNNING', redriveCount: 2 });
    expect(second.execution.redrives).toHaveLength(2);
    expect(third.execution).toMatchObject({ status: 'RUNNING', redriveCount: 1 });
  });

  it('answers 404 for an unknown execution and 409 for a RUNNING or SUCCEEDED one', async () => {
    const { actions, control, started } = setUp();
    const running = await started();
    const done = await started('SUCCEEDED');

    await expect(actions.redrive('no-such-execution', 'ops')).rejects.toThrow(NotFoundError);
    await expect(actions.redrive(running.executionName, 'ops')).rejects.toThrow(/RUNNING: only a FAILED, TIMED_OUT or ABORTED execution can be redriven/);
    await expect(actions.redrive(done.executionName, 'ops')).rejects.toThrow(ConflictError);
    expect(control.redrives).toEqual([]);
  });

  it('puts the record back as it was when the home refuses (past its redrive window)', async () => {
    const { actions, control, started, executions } = setUp();
    const failed = await started('FAILED');
    const before = await executions.get(failed.executionName);
    control.onRedrive = async () => {
      throw new ConflictError('past the 14-day redrive window');
    };

    await expect(actions.redrive(failed.executionName, 'ops')).rejects.toThrow(/14-day/);

    expect(await executions.get(failed.executionName)).toEqual(before);
  });

  it('keeps an Express restart as history on the original, which keeps its end; the new run is the home’s', async () => {
    const { actions, control, started, executions } = setUp();
    const failed = await started('FAILED');
    control.onRedrive = async (e) => ({ kind: 'restarted', executionName: `${e.name}-redrive-1`, redriveCount: 1 });

    const { execution } = await actions.redrive(failed.executionName, 'ops');

    expect(execution).toMatchObject({ status: 'FAILED', stoppedAt: at(3), error: { error: 'Boom' }, redriveCount: 1 });
    expect(execution.redrives).toEqual([expect.objectContaining({ executionName: `${failed.executionName}-redrive-1` })]);
    expect((await executions.get(failed.executionName))?.status).toBe('FAILED');
  });

  it('lets only one of two redrives at once go ahead', async () => {
    const { actions, control, started } = setUp();
    const failed = await started('FAILED');

    const results = await Promise.allSettled([actions.redrive(failed.executionName, 'a'), actions.redrive(failed.executionName, 'b')]);

    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(control.redrives).toHaveLength(1);
  });
});
