import { Logger } from '@aws-lambda-powertools/logger';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbReplayJobStore } from '../../lambdas/aws/dynamodb-replay-job-store.js';
import { SfnReplayDriver } from '../../lambdas/aws/sfn-replay-driver.js';
import { EnvironmentError } from '../../lambdas/aws/wiring/env.js';
import { createReplaysHandler } from '../../lambdas/aws/http/replays-http.js';
import { replaysDepsFromEnv } from '../../lambdas/aws/wiring/replay.js';
import { apiGatewayEvent } from '../support/api-gateway.js';
import { useDynalite } from '../support/dynalite.js';
import { REPLAY_WORKFLOWS, replayRuleSet, replayRules } from '../support/replay-fixtures.js';

const DRIVER_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:EdweStack-Replay-Driver';
const NOW = Date.parse('2026-11-26T12:00:00.000Z');
const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();
const sfn = mockClient(SFNClient);
const silent = new Logger({ logLevel: 'SILENT' });

const postReplay = (body: unknown) => apiGatewayEvent({ method: 'POST', resource: '/replays', body });
const getReplay = (replayId: string) => apiGatewayEvent({ method: 'GET', resource: '/replays/{replayId}', pathParameters: { replayId } });
const deleteReplay = (replayId: string) => apiGatewayEvent({ method: 'DELETE', resource: '/replays/{replayId}', pathParameters: { replayId } });

describe('the replay API handler (jobs on dynalite, StartExecution stubbed)', () => {
  const dynalite = useDynalite();
  let jobs: DynamoDbReplayJobStore;
  let ids = 0;

  beforeAll(async () => {
    jobs = new DynamoDbReplayJobStore({ client: dynalite.client(), tableName: await dynalite.stateTable() });
  });
  beforeEach(() => {
    sfn.reset();
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${DRIVER_ARN}:x`, startDate: new Date(NOW) });
  });

  const handler = () =>
    createReplaysHandler({
      jobs,
      driver: new SfnReplayDriver({ client: new SFNClient({ region: 'us-east-1' }), stateMachineArn: DRIVER_ARN }),
      ruleSet: replayRuleSet(),
      workflows: REPLAY_WORKFLOWS,
      retentionDays: 30,
      maxRatePerSecond: 500,
      clock: { now: () => NOW },
      newId: () => `01JREPLAY${String(++ids).padStart(17, '0')}`,
      logger: silent,
    });

  const aValidBody = { startTime: iso(NOW - 3 * HOUR), endTime: iso(NOW - HOUR), workflowId: 'onboarding_workflow', ratePerSecond: 50 };

  it('answers 202 with the replay id, records the job and starts the driver named after it', async () => {
    const answer = await handler()(postReplay(aValidBody));

    expect(answer.statusCode).toBe(202);
    const { replayId } = JSON.parse(answer.body);
    expect((await jobs.get(replayId))?.job).toMatchObject({
      replayId,
      status: 'running',
      request: { ...aValidBody, dryRun: false },
      matched: 0,
      emitted: 0,
      createdAt: iso(NOW),
    });
    expect(sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input)).toEqual([
      { stateMachineArn: DRIVER_ARN, name: replayId, input: JSON.stringify({ replayId, generation: 0, page: 0 }) },
    ]);
  });

  it.each([
    ['end before start', { startTime: iso(NOW - HOUR), endTime: iso(NOW - 2 * HOUR) }, 'endTime', 'must be after startTime'],
    ['a range over the retention', { startTime: iso(NOW - 31 * 24 * HOUR), endTime: iso(NOW - HOUR) }, 'startTime', 'is before the retention window'],
    ['an unknown workflow', { ...aValidBody, workflowId: 'no_such_workflow' }, 'workflowId', 'unknown workflow "no_such_workflow"'],
    ['an unknown type', { ...aValidBody, eventTypes: ['user_registration', 'nobody.listens'] }, 'eventTypes', 'no rule listens to type "nobody.listens"'],
    ['a rate above the deployment ceiling', { ...aValidBody, ratePerSecond: 501 }, 'ratePerSecond', 'must be at most 500'],
  ])('answers 400 for %s, naming it, and records and starts nothing', async (_name, body, path, message) => {
    const before = ids;

    const answer = await handler()(postReplay(body));

    expect(answer.statusCode).toBe(400);
    const error = JSON.parse(answer.body);
    expect(error.error).toBe('validation_error');
    expect(error.details).toContainEqual({ path, message: expect.stringContaining(message) });
    expect(ids).toBe(before);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('shows a job with GET /replays/{id}: status, counts, progress', async () => {
    const { replayId } = JSON.parse((await handler()(postReplay(aValidBody))).body);

    const answer = await handler()(getReplay(replayId));

    expect(answer.statusCode).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({
      replayId,
      status: 'running',
      matched: 0,
      emitted: 0,
      failed: 0,
      scanned: 0,
      createdAt: iso(NOW),
      ...aValidBody,
      dryRun: false,
      progress: 0,
    });
  });

  it('answers 404 for a job that does not exist', async () => {
    const answer = await handler()(getReplay('no-such-replay'));

    expect(answer.statusCode).toBe(404);
    expect(JSON.parse(answer.body)).toMatchObject({ error: 'not_found' });
  });

  it('cancels a running job with DELETE /replays/{id}, and leaves a finished one as it was', async () => {
    const { replayId } = JSON.parse((await handler()(postReplay(aValidBody))).body);

    const cancelled = await handler()(deleteReplay(replayId));
    await jobs.finish(replayId, 0, 'completed', iso(NOW));
    const again = await handler()(deleteReplay(replayId));

    expect(cancelled.statusCode).toBe(200);
    expect(JSON.parse(cancelled.body)).toMatchObject({ replayId, status: 'cancelled', finishedAt: iso(NOW) });
    expect(JSON.parse(again.body)).toMatchObject({ status: 'cancelled' });
  });

  it('marks the job failed when the driver cannot be started, and answers 503 for a throttled start', async () => {
    sfn.reset();
    sfn
      .on(StartExecutionCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 }, $retryable: { throttling: true } }));

    const answer = await handler()(postReplay(aValidBody));

    expect(answer.statusCode).toBe(503);
    const replayId = `01JREPLAY${String(ids).padStart(17, '0')}`;
    expect((await jobs.get(replayId))?.job).toMatchObject({ status: 'failed', error: expect.stringContaining('the replay driver could not be started') });
  });

  it('reads its configuration from the environment, naming what is missing', () => {
    expect(() => replaysDepsFromEnv({ STATE_TABLE: 'State', WORKFLOW_IDS: 'onboarding_workflow' }, '[]')).toThrow(
      new EnvironmentError('Invalid environment: REPLAY_DRIVER_ARN is not set'),
    );
    const deps = replaysDepsFromEnv(
      { STATE_TABLE: 'State', WORKFLOW_IDS: 'onboarding_workflow, order_fulfilment', REPLAY_DRIVER_ARN: DRIVER_ARN, RETENTION_DAYS: '7', REPLAY_MAX_RATE: '250' },
      JSON.stringify(replayRules()),
    );
    expect(deps).toMatchObject({ workflows: new Set(['onboarding_workflow', 'order_fulfilment']), retentionDays: 7, maxRatePerSecond: 250 });
    expect(deps.ruleSet.rules).toHaveLength(3);
  });
});
