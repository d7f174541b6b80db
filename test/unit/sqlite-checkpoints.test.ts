import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Trigger, WorkflowInput } from '../../lambdas/core/index.js';
import { GroupCommit } from '../../lambdas/embedded/group-commit.js';
import { SqliteCheckpoints } from '../../lambdas/embedded/sqlite-checkpoints.js';
import { openDatabase, type SqliteDatabase } from '../../lambdas/embedded/sqlite-database.js';
import { SqliteExecutionStore } from '../../lambdas/embedded/sqlite-execution-store.js';

const input: WorkflowInput = {
  event: { id: 'e-1', type: 't', source: 's', timestamp: '2026-01-01T00:00:00.000Z', data: {} },
  rule: { id: 'r', priority: 0 },
  correlationId: 'c-1',
};
const trigger = (executionName: string): Trigger => ({ workflowId: 'w', ruleId: 'r', executionName, input });
const step = (name: string) => ({ name, enteredAt: '2026-01-01T00:00:01.000Z', exitedAt: '2026-01-01T00:00:02.000Z', status: 'SUCCEEDED' as const });

describe('SqliteCheckpoints', () => {
  let db: SqliteDatabase;
  let checkpoints: SqliteCheckpoints;
  let executions: SqliteExecutionStore;
  beforeEach(() => {
    db = openDatabase(':memory:');
    const writes = new GroupCommit(db);
    checkpoints = new SqliteCheckpoints(db, writes);
    executions = new SqliteExecutionStore(db, writes);
  });
  afterEach(() => db.close());

  it('keeps the last state entered, with its input and the states before it', async () => {
    await checkpoints.enter('x-1', 'A', '{"a":1}', []);
    await checkpoints.enter('x-1', 'B', '{"a":1,"b":2}', [step('A')]);
    expect(checkpoints.get('x-1')).toEqual({ state: 'B', input: { a: 1, b: 2 }, steps: [step('A')], redrives: 0 });
    expect(checkpoints.get('x-2')).toBeUndefined();
    await checkpoints.forget('x-1');
    expect(checkpoints.get('x-1')).toBeUndefined();
  });

  it('reopens an ended execution for a redrive: RUNNING again, its end cleared, the redrive counted; its checkpoint kept', async () => {
    await executions.record(trigger('x-1'), '2026-01-01T00:00:00.000Z');
    await checkpoints.enter('x-1', 'B', '{"b":true}', [step('A')]);
    await executions.finish('x-1', { status: 'FAILED', stoppedAt: '2026-01-01T00:00:03.000Z', error: { error: 'Boom' } });

    expect(await checkpoints.reopen('x-1')).toBe(1);
    const reopened = await executions.get('x-1');
    expect(reopened).toMatchObject({ status: 'RUNNING' });
    expect(reopened?.stoppedAt).toBeUndefined();
    expect(reopened?.error).toBeUndefined();
    expect(checkpoints.get('x-1')).toEqual({ state: 'B', input: { b: true }, steps: [step('A')], redrives: 1 });

    await executions.finish('x-1', { status: 'TIMED_OUT', stoppedAt: '2026-01-01T00:00:04.000Z' });
    expect(await checkpoints.reopen('x-1')).toBe(2);
  });

  it('counts a redrive of a record set RUNNING again already (by an application service), and one with no checkpoint', async () => {
    await executions.record(trigger('x-1'), '2026-01-01T00:00:00.000Z');
    expect(await checkpoints.reopen('x-1')).toBe(1);
    expect(checkpoints.get('x-1')).toEqual({ steps: [], redrives: 1 });
  });

  it('refuses a succeeded or missing execution, and leaves it as it was', async () => {
    await executions.record(trigger('x-1'), '2026-01-01T00:00:00.000Z');
    await executions.finish('x-1', { status: 'SUCCEEDED', stoppedAt: '2026-01-01T00:00:03.000Z', output: { ok: 1 } });
    expect(await checkpoints.reopen('x-1')).toBeUndefined();
    expect(await executions.get('x-1')).toMatchObject({ status: 'SUCCEEDED', output: { ok: 1 } });
    expect(checkpoints.get('x-1')).toBeUndefined();
    expect(await checkpoints.reopen('missing')).toBeUndefined();
  });
});
