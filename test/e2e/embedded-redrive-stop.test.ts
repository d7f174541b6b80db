import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConflictError, type StoredExecution } from '../../lambdas/core/index.js';
import { loadInterpreter } from '../../lambdas/embedded/asl-runner.js';
import { EmbeddedEngine } from '../../lambdas/embedded/embedded-engine.js';
import { createLogger } from '../../lambdas/embedded/logger.js';
import { loadProject } from '../../lambdas/project/load-project.js';
import { checkpointProject, type CheckpointProject } from '../support/checkpoint-project.js';

const silent = createLogger({ level: 'silent' });

describe('the embedded runner: redrive and stop (engine.workflowControl)', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  // The interpreter's first import takes seconds on a busy machine: not inside a test's waits.
  beforeAll(async () => {
    await loadInterpreter();
  }, 60_000);
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function open(project: CheckpointProject): Promise<EmbeddedEngine> {
    const engine = await EmbeddedEngine.open({ project: project.load(), dbPath: join(project.root, 'events.db'), logger: silent });
    cleanups.push(
      () => project.cleanup(),
      () => engine.close(),
    );
    return engine;
  }

  const settledAs = async (engine: EmbeddedEngine, eventId: string, status: string): Promise<StoredExecution> => {
    await vi.waitFor(() => expect(engine.executionsForEvent(eventId)[0]?.status).toBe(status), { timeout: 20_000, interval: 20 });
    return engine.executionsForEvent(eventId)[0] as StoredExecution;
  };

  it('redrives a FAILED execution from the state that failed, with its recorded input: the states before it do not run again', async () => {
    const project = checkpointProject();
    const engine = await open(project);
    const { id } = await engine.ingest({ type: 'job.requested', source: 'test', data: { job: 7 } });
    const failed = await settledAs(engine, id, 'FAILED');
    expect(failed.error).toEqual({ error: 'FlagMissing', cause: 'the flag is not set' });
    expect([project.runs('Prepare'), project.runs('Flaky')]).toEqual([1, 1]);

    project.setFlag();
    const outcome = await engine.workflowControl.redrive(failed);
    expect(outcome).toEqual({ kind: 'resumed', executionName: failed.name, redriveCount: 1 });
    const redriven = await settledAs(engine, id, 'SUCCEEDED');
    await engine.idle();

    expect([project.runs('Prepare'), project.runs('Flaky'), project.runs('Finish')]).toEqual([1, 2, 0]);
    // Prepare's result reached Finish through the recorded input of Flaky, not by running Prepare again.
    expect(redriven.output).toEqual({
      ruleId: 'flaky',
      results: { Prepare: expect.objectContaining({ Payload: { ran: 'Prepare' } }), Flaky: expect.objectContaining({ Payload: { ran: 'Flaky' } }) },
    });
    expect(redriven.states?.map((s) => `${s.name}:${s.status}`)).toEqual(['Prepare:SUCCEEDED', 'Flaky:FAILED', 'Flaky:SUCCEEDED', 'Finish:SUCCEEDED']);
    expect(redriven.error).toBeUndefined();
    const ends = (await engine.queries.correlation(id)).events.filter((e) => e.source === 'edwe.workflows' && e.type !== 'workflow.started');
    expect(ends.map((e) => (e.data as { status: string }).status)).toEqual(['FAILED', 'SUCCEEDED']);
  });

  it('keeps sealed fields sealed in the checkpoint, and hands the redriven state their plaintext again', async () => {
    const project = checkpointProject();
    const dbPath = join(project.root, 'events.db');
    const encrypt = [{ eventType: 'note.requested', fields: ['data.note'] }];
    const engine = await EmbeddedEngine.open({ project: project.load(), dbPath, logger: silent, encrypt });
    cleanups.push(
      () => project.cleanup(),
      () => engine.close(),
    );
    const { id } = await engine.ingest({ type: 'note.requested', source: 'test', data: { note: 'plain-secret-4711' } });
    const failed = await settledAs(engine, id, 'FAILED');
    const peek = new Database(dbPath, { readonly: true });
    const checkpoint = peek.prepare('SELECT state, input FROM checkpoints').get() as { state: string; input: string };
    peek.close();
    expect(checkpoint.state).toBe('Flaky');
    expect(checkpoint.input).not.toContain('plain-secret-4711');
    expect(checkpoint.input).toContain('edwe:enc:v1:');

    project.setFlag();
    await engine.workflowControl.redrive(failed);
    await settledAs(engine, id, 'SUCCEEDED');
    expect(project.lines('Flaky')).toEqual([`${failed.name}/Flaky plain-secret-4711`, `${failed.name}/Flaky plain-secret-4711`]);
    expect(project.runs('Prepare')).toBe(1);
  });

  it('refuses to redrive an execution that succeeded or is running (ConflictError), and counts each redrive', async () => {
    const project = checkpointProject();
    const engine = await open(project);
    const { id } = await engine.ingest({ type: 'job.requested', source: 'test', data: {} });
    const failed = await settledAs(engine, id, 'FAILED');
    // Still failing: the second redrive fails at the same state again, and is counted.
    expect((await engine.workflowControl.redrive(failed)).redriveCount).toBe(1);
    const again = await settledAs(engine, id, 'FAILED');
    expect((await engine.workflowControl.redrive(again)).redriveCount).toBe(2);
    const running = (await engine.executions.get(failed.name)) as StoredExecution;
    await expect(engine.workflowControl.redrive(running)).rejects.toThrow(ConflictError);
    const thirdFailure = await settledAs(engine, id, 'FAILED');
    expect([project.runs('Prepare'), project.runs('Flaky')]).toEqual([1, 3]);

    project.setFlag();
    await engine.workflowControl.redrive(thirdFailure);
    const succeeded = await settledAs(engine, id, 'SUCCEEDED');
    await expect(engine.workflowControl.redrive(succeeded)).rejects.toThrow(/cannot be redriven: it is SUCCEEDED/);
  });

  it('stops an execution waiting in a Wait state: it ends ABORTED with the stop as its error, and its lifecycle event says so', async () => {
    const project = checkpointProject();
    const engine = await open(project);
    const { id } = await engine.ingest({ type: 'nap.requested', source: 'test', data: {} });
    const napping = await settledAs(engine, id, 'RUNNING');
    await vi.waitFor(() => expect(engine.runningCount).toBeGreaterThan(0), { timeout: 5_000, interval: 20 });

    expect(await engine.workflowControl.stop(napping, { error: 'Stopped', cause: 'by an operator' })).toBe(true);
    // Resolved once the end is recorded: the record reads ABORTED at once, with the state it was stopped in.
    const aborted = (await engine.executions.get(napping.name)) as StoredExecution;
    expect(aborted.status).toBe('ABORTED');
    expect(aborted.states?.map((s) => s.name)).toEqual(['Nap']);
    await engine.idle();
    expect(aborted.error).toEqual({ error: 'Stopped', cause: 'by an operator' });
    const end = (await engine.queries.correlation(id)).events.find((e) => e.source === 'edwe.workflows' && e.type !== 'workflow.started');
    expect(end?.data).toMatchObject({ executionName: napping.name, status: 'ABORTED', error: { error: 'Stopped', cause: 'by an operator' } });
    // Ended: a second stop finds nothing to stop.
    expect(await engine.workflowControl.stop(aborted, { error: 'Stopped' })).toBe(false);
  });

  it('stops an execution waiting on a task token (an order waiting for its payment); a later payment completes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edwe-stop-'));
    const dbPath = join(dir, 'events.db');
    const engine = await EmbeddedEngine.open({ project: loadProject(), dbPath, logger: silent });
    const peek = new Database(dbPath, { readonly: true });
    cleanups.push(
      () => rmSync(dir, { recursive: true, force: true }),
      () => engine.close(),
      () => {
        peek.close();
      },
    );
    const { id } = await engine.ingest({
      type: 'order.placed',
      source: 'shop',
      data: { orderId: 'o-stop', customerEmail: 'c@example.com', items: [{ sku: 'tea', quantity: 1 }] },
    });
    const waiting = await settledAs(engine, id, 'RUNNING');
    // Parked on its task token once its waiter is stored.
    await vi.waitFor(() => expect(peek.prepare('SELECT count(*) AS n FROM waiters').get()).toEqual({ n: 1 }), { timeout: 5_000, interval: 20 });

    expect(await engine.workflowControl.stop(waiting, { error: 'Stopped' })).toBe(true);
    const aborted = await settledAs(engine, id, 'ABORTED');
    expect(aborted.error).toEqual({ error: 'Stopped' });
    await engine.ingest({ type: 'payment.received', source: 'payments', correlationId: 'o-stop', data: { orderId: 'o-stop', amount: 5 } });
    await engine.idle();
    expect((await engine.queries.correlation('o-stop')).events.map((e) => e.type)).not.toContain('order.confirmed');
    expect((await engine.executions.get(waiting.name))?.status).toBe('ABORTED');
  });
});
