/**
 * A bulk redrive on the embedded engine whose process died after writing a redrive to the execution's record and
 * before the runner was asked to redrive it: the record is RUNNING (so it no longer lists as FAILED), nothing runs
 * it. The next engine on the same database resumes the record at the state that failed and resumes the job, which
 * finds the redrive in flight and counts it — the failed state runs once more, the states before it not again.
 */
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { BulkActions, ExecutionActions, parseBulkActionRequest, type RedriveOutcome, type StoredExecution, type WorkflowControl } from '../../lambdas/core/index.js';
import { loadInterpreter } from '../../lambdas/embedded/asl-runner.js';
import { EmbeddedEngine } from '../../lambdas/embedded/embedded-engine.js';
import { GroupCommit } from '../../lambdas/embedded/group-commit.js';
import { createLogger } from '../../lambdas/embedded/logger.js';
import { openDatabase } from '../../lambdas/embedded/sqlite-database.js';
import { SqliteExecutionStore } from '../../lambdas/embedded/sqlite-execution-store.js';
import { SqliteReplayJobStore } from '../../lambdas/embedded/sqlite-replay-job-store.js';
import { checkpointProject } from '../support/checkpoint-project.js';

const silent = createLogger({ level: 'silent' });

/** The runner of the process that dies: it is never reached. */
const unreached: WorkflowControl = {
  stop: async () => false,
  redrive: async (): Promise<RedriveOutcome> => {
    throw new Error('the process died before the runner was asked');
  },
};

describe('embedded bulk redrive: a process killed between the record write and the redrive', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  beforeAll(async () => {
    await loadInterpreter();
  }, 60_000);
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('the next engine resumes the job and the execution: redriven once, at the state that failed', async () => {
    const project = checkpointProject();
    cleanups.push(() => project.cleanup());
    const dbPath = join(project.root, 'events.db');
    const first = await EmbeddedEngine.open({ project: project.load(), dbPath, logger: silent });
    const { id } = await first.ingest({ type: 'job.requested', source: 'test', data: {} });
    await vi.waitFor(() => expect(first.executionsForEvent(id)[0]?.status).toBe('FAILED'), { timeout: 20_000, interval: 20 });
    const name = (first.executionsForEvent(id)[0] as StoredExecution).name;
    await first.close();

    // The dying process: the engine's stores and BulkActions on the file, its redrive's record write lands, then it dies.
    const db = openDatabase(dbPath);
    const writes = new GroupCommit(db);
    const store = new SqliteExecutionStore(db, writes);
    const clock = { now: () => Date.now() };
    const records = {
      get: (n: string) => store.get(n),
      setRedrive: async (...args: Parameters<SqliteExecutionStore['setRedrive']>) => {
        await store.setRedrive(...args);
        throw new Error('process killed');
      },
    };
    const actions = new ExecutionActions({ executions: records, control: unreached, lifecycle: { onChange: async () => ({}) as never }, clock });
    const jobs = new SqliteReplayJobStore(db, { writes, kind: 'bulk-action' });
    const bulk = new BulkActions({ jobs, executions: store, actions, clock, newId: () => 'killed-1', sleep: async () => undefined });
    const { actionId } = await bulk.start(parseBulkActionRequest({ action: 'redrive', filter: { workflowId: 'flaky_job', status: 'FAILED' } }));
    await expect(bulk.run(actionId)).rejects.toThrow('process killed');
    const halfDone = await store.get(name);
    db.close();
    project.setFlag();

    const second = await EmbeddedEngine.open({ project: project.load(), dbPath, logger: silent });
    cleanups.push(() => second.close());
    await vi.waitFor(async () => expect((await second.bulkActions.get(actionId)).status).toBe('completed'), { timeout: 20_000, interval: 20 });
    await vi.waitFor(() => expect(second.executionsForEvent(id)[0]?.status).toBe('SUCCEEDED'), { timeout: 20_000, interval: 20 });
    await second.idle();

    expect(halfDone).toMatchObject({ status: 'RUNNING', redriveCount: 1, redrives: [{ by: `bulk:${actionId}` }] });
    expect(await second.bulkActions.get(actionId)).toMatchObject({ status: 'completed', matched: 1, done: 1, failed: 0, skipped: 0 });
    expect(await second.executions.get(name)).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1, redrives: [{ by: `bulk:${actionId}` }] });
    // Prepare ran once (the first run); Flaky failed once and ran once more; Finish is a Pass state (not counted).
    expect([project.runs('Prepare'), project.runs('Flaky')]).toEqual([1, 2]);
  });
});
