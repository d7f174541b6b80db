import { afterEach, describe, expect, it } from 'vitest';
import { JobRunner, type JobSleep, type JobStep } from '../../lambdas/embedded/job-runner.js';
import { createLogger } from '../../lambdas/embedded/logger.js';
import { openDatabase, type SqliteDatabase } from '../../lambdas/embedded/sqlite-database.js';
import { SqliteReplayJobStore } from '../../lambdas/embedded/sqlite-replay-job-store.js';
import { aReplayJob } from '../contract/replay-job-store.contract.js';

/** Longer than any test may take: a loop still in such a wait when the test ends fails it by timing out. */
const AN_HOUR = 3_600_000;

const dbs: SqliteDatabase[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) db.close();
});

function setUp(steps: (jobId: string, sleep: JobSleep) => JobStep) {
  const db = openDatabase(':memory:');
  dbs.push(db);
  const store = new SqliteReplayJobStore(db);
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({ level: 'info', write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  const runner = new JobRunner({ noun: 'replay', idField: 'replayId', store, logger, now: Date.now, steps, summary: ({ status }) => ({ status }) });
  return { store, runner, lines };
}

async function aRunningJob(store: SqliteReplayJobStore): Promise<string> {
  const job = aReplayJob();
  await store.create(job, 0);
  return job.replayId;
}

describe('JobRunner', () => {
  it("calls a job's step until it answers that nothing is left, then logs the job as it ended", async () => {
    const calls: string[] = [];
    const { store, runner, lines } = setUp((jobId) => {
      let n = 0;
      return async () => {
        calls.push(`${jobId}#${++n}`);
        if (n < 3) return { more: true, waitMs: 1 };
        await store.finish(jobId, 0, 'completed', new Date().toISOString());
        return { more: false };
      };
    });
    const id = await aRunningJob(store);

    runner.launch(id);
    await runner.finished(id);

    expect(calls).toEqual([`${id}#1`, `${id}#2`, `${id}#3`]);
    expect(lines).toContainEqual(expect.objectContaining({ message: 'replay finished', replayId: id, status: 'completed' }));
  });

  it('drives a job once when it is launched twice (a resume and a start of the same job)', async () => {
    let loops = 0;
    const { store, runner } = setUp(() => {
      loops++;
      return async () => ({ more: false });
    });
    const id = await aRunningJob(store);

    runner.launch(id);
    runner.launch(id);
    await runner.finished(id);

    expect(loops).toBe(1);
  });

  it('wakes a wait inside a step (the pacer) when the job is woken, and only that job', async () => {
    const woke: string[] = [];
    const { store, runner } = setUp((jobId, sleep) => async () => {
      await sleep(AN_HOUR);
      woke.push(jobId);
      return { more: false };
    });
    const [first, second] = [await aRunningJob(store), await aRunningJob(store)];
    runner.launch(first);
    runner.launch(second);
    await new Promise((resolve) => setImmediate(resolve));

    runner.wake(first);
    await runner.finished(first);

    expect(woke).toEqual([first]);
    runner.wake(second);
    await runner.finished(second);
    expect(woke).toEqual([first, second]);
  });

  it('wakes the wait between two steps when the job is woken', async () => {
    let steps = 0;
    const { store, runner } = setUp(() => async () => ({ more: ++steps === 1, waitMs: AN_HOUR }));
    const id = await aRunningJob(store);
    runner.launch(id);
    await new Promise((resolve) => setImmediate(resolve));

    runner.wake(id);
    await runner.finished(id);

    expect(steps).toBe(2);
  });

  it('marks a running job failed with the cause when its step throws, and leaves a cancelled one cancelled', async () => {
    const { store, runner, lines } = setUp((jobId) => async () => {
      if (jobId.endsWith('cancelled')) await store.cancel(jobId, new Date().toISOString());
      throw new Error('the event store is gone');
    });
    const failing = await aRunningJob(store);
    const cancelled = { ...aReplayJob(), replayId: 'replay-cancelled' };
    await store.create(cancelled, 0);

    runner.launch(failing);
    runner.launch(cancelled.replayId);
    await Promise.all([runner.finished(failing), runner.finished(cancelled.replayId)]);

    expect((await store.get(failing))?.job).toMatchObject({ status: 'failed', error: 'the event store is gone' });
    expect((await store.get(cancelled.replayId))?.job.status).toBe('cancelled');
    expect(lines).toContainEqual(expect.objectContaining({ level: 'ERROR', message: 'replay failed', replayId: failing, error: 'the event store is gone' }));
  });

  it('resumes every job left running, and none that ended', async () => {
    const driven: string[] = [];
    const { store, runner } = setUp((jobId) => async () => {
      driven.push(jobId);
      return { more: false };
    });
    const [running, ended] = [await aRunningJob(store), await aRunningJob(store)];
    await store.finish(ended, 0, 'completed', new Date().toISOString());

    runner.resume();
    await runner.finished(running);

    expect(driven).toEqual([running]);
  });
});
