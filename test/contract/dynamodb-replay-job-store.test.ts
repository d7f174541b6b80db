import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbReplayJobStore } from '../../lambdas/aws/dynamodb-replay-job-store.js';
import { ConflictError, NotFoundError } from '../../lambdas/core/index.js';
import { startDynalite, uniqueTableName, type Dynalite } from '../support/dynalite.js';
import { aJob, createReplayStateTable } from '../support/replay-fixtures.js';

const START = Date.parse('2026-11-20T10:00:00.000Z');
const END = START + 3_600_000;
const EXPIRES = 1_900_000_000;
const progress = (n: number) => ({ cursor: { timestamp: '2026-11-20T10:00:0' + n + '.000Z', id: `E${n}` }, matched: n, emitted: n, failed: 0, scanned: n, sample: [`E${n}`], failures: [] });

describe('DynamoDbReplayJobStore (on dynalite)', () => {
  let dynamo: Dynalite;
  let client: DynamoDBClient;
  let tableName: string;
  let store: DynamoDbReplayJobStore;
  let counter = 0;

  beforeAll(async () => {
    dynamo = await startDynalite();
    client = dynamo.client();
    tableName = uniqueTableName('state');
    await createReplayStateTable(client, tableName);
    store = new DynamoDbReplayJobStore({ client, tableName });
  });
  afterAll(async () => {
    await dynamo?.close();
  });

  async function aRecordedJob() {
    const job = aJob(`job-${++counter}`, START, END, { workflowId: 'onboarding_workflow', eventTypes: ['user_registration'], ratePerSecond: 50 });
    await store.create(job, EXPIRES);
    return job;
  }

  it('keeps a job at REPLAY#<id> / JOB with its fields, version 0 and the TTL', async () => {
    const job = await aRecordedJob();

    const { Item } = await client.send(new GetItemCommand({ TableName: tableName, Key: DynamoDbReplayJobStore.key(job.replayId) }));

    expect(unmarshall(Item!)).toEqual({ pk: `REPLAY#${job.replayId}`, sk: 'JOB', ...job, version: 0, failures: [], expiresAt: EXPIRES });
    expect(await store.get(job.replayId)).toEqual({ job, version: 0, failures: [] });
  });

  it('refuses a second job with the same id', async () => {
    const job = await aRecordedJob();

    await expect(store.create(job, EXPIRES)).rejects.toBeInstanceOf(ConflictError);
  });

  it('lets one step claim a version: a second claim of the same version gets nothing', async () => {
    const job = await aRecordedJob();

    const first = await store.claim(job.replayId, 0);
    const second = await store.claim(job.replayId, 0);

    expect(first?.version).toBe(1);
    expect(second).toBeUndefined();
  });

  it('records progress only under the current claim, and moves the version on', async () => {
    const job = await aRecordedJob();
    await store.claim(job.replayId, 0);

    const saved = await store.saveProgress(job.replayId, 1, { ...progress(3), pacedUntil: 1234 });
    const stale = await store.saveProgress(job.replayId, 1, progress(4));

    const { failures, ...totals } = progress(3);
    expect(saved).toMatchObject({ version: 2, pacedUntil: 1234, failures, job: { ...totals, status: 'running' } });
    expect(stale).toBeUndefined();
    expect((await store.get(job.replayId))?.job.cursor).toEqual(progress(3).cursor);
  });

  it('cancels a running job without breaking the step’s claim, which then sees the status', async () => {
    const job = await aRecordedJob();
    await store.claim(job.replayId, 0);

    const cancelled = await store.cancel(job.replayId, '2026-11-20T12:00:00.000Z');
    const saved = await store.saveProgress(job.replayId, 1, progress(2));
    const finished = await store.finish(job.replayId, 2, 'completed', '2026-11-20T12:00:01.000Z');

    expect(cancelled.job).toMatchObject({ status: 'cancelled', finishedAt: '2026-11-20T12:00:00.000Z' });
    expect(saved?.job).toMatchObject({ status: 'cancelled', emitted: 2 });
    expect(finished).toBe(false);
    expect((await store.get(job.replayId))?.job.status).toBe('cancelled');
  });

  it('leaves a finished job as it is when cancelled', async () => {
    const job = await aRecordedJob();
    await store.finish(job.replayId, 0, 'completed', '2026-11-20T12:00:00.000Z');

    const after = await store.cancel(job.replayId, '2026-11-20T13:00:00.000Z');

    expect(after.job).toMatchObject({ status: 'completed', finishedAt: '2026-11-20T12:00:00.000Z' });
  });

  it('records a failure with its reason', async () => {
    const job = await aRecordedJob();

    expect(await store.finish(job.replayId, 0, 'failed', '2026-11-20T12:00:00.000Z', 'the driver could not start')).toBe(true);
    expect((await store.get(job.replayId))?.job).toMatchObject({ status: 'failed', error: 'the driver could not start' });
  });

  it('answers NotFoundError when cancelling a job that does not exist, and undefined when reading one', async () => {
    await expect(store.cancel('no-such-job', '2026-11-20T12:00:00.000Z')).rejects.toBeInstanceOf(NotFoundError);
    expect(await store.get('no-such-job')).toBeUndefined();
  });
});
