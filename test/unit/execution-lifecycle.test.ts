import { describe, expect, it } from 'vitest';
import {
  ConflictError,
  ExecutionLifecycle,
  executionName,
  RetryableError,
  runningExecution,
  type EngineEvent,
  type EventStore,
  type ExecutionEnd,
  type ExecutionStore,
  type PutResult,
  type StoredExecution,
  type Trigger,
  type WorkflowInput,
} from '../../lambdas/core/index.js';

const STARTED = Date.parse('2026-11-20T10:00:00.000Z');
const NOW = STARTED + 120_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** Execution records in memory, with the port's semantics: a name is recorded once, an end stays as first recorded. */
class MemoryExecutions implements Pick<ExecutionStore, 'get' | 'record' | 'finish'> {
  readonly records = new Map<string, StoredExecution>();

  async record(trigger: Trigger, startedAt: string): Promise<boolean> {
    if (this.records.has(trigger.executionName)) return false;
    this.records.set(trigger.executionName, runningExecution(trigger, startedAt));
    return true;
  }

  async get(name: string): Promise<StoredExecution | undefined> {
    return this.records.get(name);
  }

  async finish(name: string, end: ExecutionEnd): Promise<boolean> {
    const record = this.records.get(name);
    if (record === undefined || record.status !== 'RUNNING') return false;
    const ended: StoredExecution = { ...record, status: end.status, stoppedAt: end.stoppedAt };
    if (end.output !== undefined) ended.output = end.output;
    if (end.error !== undefined) ended.error = end.error;
    this.records.set(name, ended);
    return true;
  }
}

/** Lifecycle events in memory; `refuse` makes the next put fail. */
class MemoryEvents implements Pick<EventStore, 'put'> {
  readonly events = new Map<string, EngineEvent>();
  refuse?: Error;

  async put(event: EngineEvent): Promise<PutResult> {
    if (this.refuse !== undefined) throw this.refuse;
    if (this.events.has(event.id)) return { id: event.id, duplicate: true };
    this.events.set(event.id, event);
    return { id: event.id, duplicate: false };
  }
}

let counter = 0;
function aTrigger(overrides: Partial<WorkflowInput> = {}): Trigger {
  const input: WorkflowInput = {
    event: { id: `evt-${++counter}`, type: 'order.placed', source: 'shop', timestamp: iso(STARTED - 1000), data: {} },
    rule: { id: 'fulfil-order', priority: 0 },
    correlationId: 'o-1',
    ...overrides,
  };
  return { workflowId: 'order_fulfilment', ruleId: 'fulfil-order', executionName: executionName('fulfil-order', input.event.id), input };
}

function aLifecycle() {
  const executions = new MemoryExecutions();
  const events = new MemoryEvents();
  return { executions, events, lifecycle: new ExecutionLifecycle({ executions, events, clock: { now: () => NOW } }) };
}

describe('ExecutionLifecycle', () => {
  it('emits workflow.started for a recorded execution, timed at its start, and leaves the record running', async () => {
    const { executions, events, lifecycle } = aLifecycle();
    const trigger = aTrigger();
    await executions.record(trigger, iso(STARTED));

    const outcome = await lifecycle.onChange({ name: trigger.executionName, status: 'RUNNING', startedAt: iso(STARTED) });

    expect(outcome).toMatchObject({ kind: 'recorded', phase: 'started', duplicate: false, execution: { status: 'RUNNING' } });
    expect(events.events.get(`${trigger.executionName}.started`)).toMatchObject({ type: 'workflow.started', timestamp: iso(STARTED), correlationId: 'o-1' });
    expect((await executions.get(trigger.executionName))?.status).toBe('RUNNING');
  });

  it('finishes the record at the end and emits workflow.failed with the error, timed now when the change has no stop time', async () => {
    const { executions, events, lifecycle } = aLifecycle();
    const trigger = aTrigger();
    await executions.record(trigger, iso(STARTED));

    const outcome = await lifecycle.onChange({
      name: trigger.executionName,
      status: 'FAILED',
      startedAt: iso(STARTED),
      error: { error: 'Payment.Declined', cause: 'card expired' },
    });

    expect(outcome).toMatchObject({ kind: 'recorded', phase: 'failed', execution: { status: 'FAILED', stoppedAt: iso(NOW) } });
    expect(await executions.get(trigger.executionName)).toMatchObject({ status: 'FAILED', stoppedAt: iso(NOW), error: { error: 'Payment.Declined', cause: 'card expired' } });
    expect(events.events.get(`${trigger.executionName}.failed`)).toMatchObject({
      type: 'workflow.failed',
      timestamp: iso(NOW),
      data: { status: 'FAILED', error: { error: 'Payment.Declined', cause: 'card expired' }, chainDepth: 1 },
    });
  });

  it('records an execution whose change outran its record from the change, and ignores one it cannot account for', async () => {
    const { executions, lifecycle } = aLifecycle();
    const trigger = aTrigger({ correlationId: 'o-early' });

    const recorded = await lifecycle.onChange({
      name: trigger.executionName,
      status: 'RUNNING',
      startedAt: iso(STARTED),
      input: trigger.input,
      workflowId: 'order_fulfilment',
    });
    const noInput = await lifecycle.onChange({ name: 'unknown-execution', status: 'RUNNING', startedAt: iso(STARTED) });
    const noWorkflow = await lifecycle.onChange({ name: 'unknown-execution', status: 'RUNNING', startedAt: iso(STARTED), input: trigger.input });

    expect(recorded).toMatchObject({ kind: 'recorded', execution: { correlationId: 'o-early', workflowId: 'order_fulfilment' } });
    expect(await executions.get(trigger.executionName)).toMatchObject({ status: 'RUNNING', startedAt: iso(STARTED), correlationId: 'o-early' });
    expect(noInput).toEqual({ kind: 'ignored', reason: 'no execution record and no readable workflow input' });
    expect(noWorkflow).toEqual({ kind: 'ignored', reason: 'no execution record and no workflow id' });
  });

  it('says why no event was emitted for a replayed execution and for a chain too deep', async () => {
    const { executions, events, lifecycle } = aLifecycle();
    const replayed = aTrigger({ replay: { replayId: 'rp-1' } });
    const deep = aTrigger();
    deep.input.event = { ...deep.input.event, source: 'edwe.workflows', type: 'workflow.succeeded', data: { chainDepth: 10 } };
    await executions.record(replayed, iso(STARTED));
    await executions.record(deep, iso(STARTED));

    const replay = await lifecycle.onChange({ name: replayed.executionName, status: 'SUCCEEDED', startedAt: iso(STARTED), stoppedAt: iso(NOW) });
    const tooDeep = await lifecycle.onChange({ name: deep.executionName, status: 'SUCCEEDED', startedAt: iso(STARTED), stoppedAt: iso(NOW) });

    expect(replay).toMatchObject({ kind: 'recorded', phase: 'succeeded', withoutEvent: 'replay' });
    expect(tooDeep).toMatchObject({ kind: 'recorded', phase: 'succeeded', withoutEvent: 'chain-too-deep' });
    expect(events.events.size).toBe(0);
    expect((await executions.get(replayed.executionName))?.status).toBe('SUCCEEDED');
  });

  it('counts an event stored before with other content as a duplicate, and throws what the store cannot take', async () => {
    const { executions, events, lifecycle } = aLifecycle();
    const trigger = aTrigger();
    await executions.record(trigger, iso(STARTED));
    const ended = { name: trigger.executionName, status: 'SUCCEEDED' as const, startedAt: iso(STARTED), stoppedAt: iso(NOW) };

    events.refuse = new ConflictError('stored with other content');
    const conflict = await lifecycle.onChange(ended);
    events.refuse = new RetryableError('throttled');

    expect(conflict).toMatchObject({ kind: 'recorded', duplicate: true, event: { id: `${trigger.executionName}.succeeded` } });
    await expect(lifecycle.onChange(ended)).rejects.toBeInstanceOf(RetryableError);
  });
});
