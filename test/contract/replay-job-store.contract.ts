/**
 * The replay-job-store port's contract, run against every adapter (SQLite embedded, DynamoDB on
 * dynalite): a job is created once; a step claims it under its version, and only the step holding
 * the current version records progress or finishes it; cancelling touches only the status, so the
 * step holding the claim sees it at its next write; an ended job stays as it ended.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConflictError,
  newReplayJob,
  NotFoundError,
  type ReplayFailure,
  type ReplayJob,
  type ReplayJobStore,
  type ReplayProgress,
  type ReplayRequest,
} from '../../lambdas/core/index.js';

/** An adapter as the contract drives it. */
export interface ReplayJobStoreUnderTest {
  store: ReplayJobStore;
  close(): Promise<void>;
}

/** A fresh store for each test (jobs of other tests may be in it: ids never repeat). */
export type ReplayJobStoreFactory = () => Promise<ReplayJobStoreUnderTest>;

const START = Date.parse('2026-11-20T10:00:00.000Z');
const iso = (ms: number): string => new Date(ms).toISOString();
const EXPIRES = Math.floor(START / 1000) + 30 * 86_400;

let counter = 0;
/** A running job over an hour, with every request field set. */
export function aReplayJob(request: Partial<ReplayRequest> = {}): ReplayJob {
  const replayId = `01JCONTRACTREPLAY${String(++counter).padStart(9, '0')}`;
  return newReplayJob(
    replayId,
    {
      startTime: iso(START),
      endTime: iso(START + 3_600_000),
      dryRun: false,
      workflowId: 'onboarding_workflow',
      eventTypes: ['user_registration'],
      ratePerSecond: 50,
      ...request,
    },
    iso(START),
  );
}

/** What a step has recorded after `n` events, all emitted. */
const progress = (n: number, failures: ReplayFailure[] = []): ReplayProgress => ({
  cursor: { timestamp: iso(START + n * 1000), id: `E${n}` },
  matched: n,
  emitted: n,
  failed: failures.length,
  scanned: n,
  sample: [`E${n}`],
  failures,
});

const aFailure = (n: number): ReplayFailure => ({
  eventId: `E${n}`,
  workflowId: 'onboarding_workflow',
  executionName: `premium-onboarding-r-${n}`,
  reason: 'MalformedDetail',
  message: 'Detail is malformed',
});

export function describeReplayJobStoreContract(name: string, factory: ReplayJobStoreFactory): void {
  describe(`ReplayJobStore contract: ${name}`, () => {
    let current: ReplayJobStoreUnderTest | undefined;
    afterEach(async () => {
      await current?.close();
      current = undefined;
    });

    async function aStore(): Promise<ReplayJobStore> {
      current = await factory();
      return current.store;
    }

    async function aRecordedJob(store: ReplayJobStore, request: Partial<ReplayRequest> = {}): Promise<ReplayJob> {
      const job = aReplayJob(request);
      await store.create(job, EXPIRES);
      return job;
    }

    describe('create and get', () => {
      it('records a new job at version 0 with no failures, and reads it back as it was given', async () => {
        const store = await aStore();
        const job = await aRecordedJob(store);

        expect(await store.get(job.replayId)).toEqual({ job, version: 0, failures: [] });
      });

      it('refuses a second job with the same id, keeping the first', async () => {
        const store = await aStore();
        const job = await aRecordedJob(store);

        await expect(store.create({ ...job, request: { ...job.request, dryRun: true } }, EXPIRES)).rejects.toBeInstanceOf(ConflictError);
        expect((await store.get(job.replayId))?.job).toEqual(job);
      });

      it('answers undefined for a job that does not exist', async () => {
        const store = await aStore();

        expect(await store.get('no-such-job')).toBeUndefined();
      });
    });

    describe('claim', () => {
      it('lets one step claim a version: a second claim of the same version gets nothing', async () => {
        const store = await aStore();
        const job = await aRecordedJob(store);

        const first = await store.claim(job.replayId, 0);
        const second = await store.claim(job.replayId, 0);

        expect(first).toEqual({ job, version: 1, failures: [] });
        expect(second).toBeUndefined();
        expect((await store.get(job.replayId))?.version).toBe(1);
      });

      it('lets exactly one of two racing claims of a version win', async () => {
        const store = await aStore();
        const job = await aRecordedJob(store);

        const claims = await Promise.all([store.claim(job.replayId, 0), store.claim(job.replayId, 0)]);

        expect(claims.filter((claim) => claim !== undefined).map((claim) => claim?.version)).toEqual([1]);
      });

      it('gives nothing for a stale version, an ended job or a job that does not exist', async () => {
        const store = await aStore();
        const running = await aRecordedJob(store);
        const ended = await aRecordedJob(store);
        await store.claim(running.replayId, 0);
        await store.finish(ended.replayId, 0, 'completed', iso(START + 60_000));

        expect(await store.claim(running.replayId, 0)).toBeUndefined();
        expect(await store.claim(ended.replayId, 1)).toBeUndefined();
        expect(await store.claim('no-such-job', 0)).toBeUndefined();
      });
    });

    describe('saveProgress', () => {
      it('records progress under the current claim, moves the version on, and refuses the same version twice', async () => {
        const store = await aStore();
        const job = await aRecordedJob(store);
        await store.claim(job.replayId, 0);

        const saved = await store.saveProgress(job.replayId, 1, { ...progress(3, [aFailure(2)]), pacedUntil: 1234 });
        const stale = await store.saveProgress(job.replayId, 1, progress(4));

        const { failures: _failures, ...totals } = progress(3, [aFailure(2)]);
        expect(saved).toEqual({ job: { ...job, ...totals }, version: 2, failures: [aFailure(2)], pacedUntil: 1234 });
        expect(stale).toBeUndefined();
        expect(await store.get(job.replayId)).toEqual(saved);
      });

      it('keeps the pacing mark when a later record names none', async () => {
        const store = await aStore();
        const job = await aRecordedJob(store);
        await store.claim(job.replayId, 0);
        await store.saveProgress(job.replayId, 1, { ...progress(1), pacedUntil: 5000 });

        const saved = await store.saveProgress(job.replayId, 2, progress(2));

        expect(saved).toMatchObject({ version: 3, pacedUntil: 5000, job: { emitted: 2 } });
      });

      it('records nothing under a lost claim: the step that claimed after it carries on', async () => {
        const store = await aStore();
        const job = await aRecordedJob(store);
        await store.claim(job.replayId, 0);
        // The first step stalls after its claim; the driver retries the page, whose step claims next.
        await store.claim(job.replayId, 1);

        const lost = await store.saveProgress(job.replayId, 1, progress(7));
        const carried = await store.saveProgress(job.replayId, 2, progress(3));

        expect(lost).toBeUndefined();
        expect(carried).toMatchObject({ version: 3, job: { emitted: 3, cursor: progress(3).cursor } });
        expect((await store.get(job.replayId))?.job.emitted).toBe(3);
      });
    });

    describe('finish and cancel', () => {
      it('finishes a running job under the current claim, with its status and time', async () => {
        const store = await aStore();
        const job = await aRecordedJob(store);
        await store.claim(job.replayId, 0);

        expect(await store.finish(job.replayId, 1, 'completed', iso(START + 60_000))).toBe(true);
        expect(await store.get(job.replayId)).toEqual({ job: { ...job, status: 'completed', finishedAt: iso(START + 60_000) }, version: 2, failures: [] });
      });

      it('records a failure with its reason', async () => {
        const store = await aStore();
        const job = await aRecordedJob(store);

        expect(await store.finish(job.replayId, 0, 'failed', iso(START), 'the driver could not start')).toBe(true);
        expect((await store.get(job.replayId))?.job).toMatchObject({ status: 'failed', finishedAt: iso(START), error: 'the driver could not start' });
      });

      it('does not finish under a lost claim', async () => {
        const store = await aStore();
        const job = await aRecordedJob(store);
        await store.claim(job.replayId, 0);

        expect(await store.finish(job.replayId, 0, 'completed', iso(START))).toBe(false);
        expect((await store.get(job.replayId))?.job.status).toBe('running');
      });

      it('cancels a running job without breaking the step’s claim: its next record sees the status, and it cannot finish', async () => {
        const store = await aStore();
        const job = await aRecordedJob(store);
        await store.claim(job.replayId, 0);

        const cancelled = await store.cancel(job.replayId, iso(START + 120_000));
        const saved = await store.saveProgress(job.replayId, 1, progress(2));
        const finished = await store.finish(job.replayId, 2, 'completed', iso(START + 180_000));

        expect(cancelled).toMatchObject({ version: 1, job: { status: 'cancelled', finishedAt: iso(START + 120_000) } });
        expect(saved).toMatchObject({ version: 2, job: { status: 'cancelled', emitted: 2 } });
        expect(finished).toBe(false);
        expect((await store.get(job.replayId))?.job).toMatchObject({ status: 'cancelled', finishedAt: iso(START + 120_000), emitted: 2 });
      });

      it('leaves an ended job as it ended when cancelled, and answers it', async () => {
        const store = await aStore();
        const job = await aRecordedJob(store);
        await store.finish(job.replayId, 0, 'completed', iso(START + 60_000));

        const after = await store.cancel(job.replayId, iso(START + 120_000));

        expect(after).toEqual({ job: { ...job, status: 'completed', finishedAt: iso(START + 60_000) }, version: 1, failures: [] });
        expect(await store.get(job.replayId)).toEqual(after);
      });

      it('answers NotFoundError when cancelling a job that does not exist', async () => {
        const store = await aStore();

        await expect(store.cancel('no-such-job', iso(START))).rejects.toBeInstanceOf(NotFoundError);
      });
    });
  });
}
