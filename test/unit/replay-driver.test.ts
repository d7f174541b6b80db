import '../../lambdas/embedded/polyfills.js';
import { Logger } from '@aws-lambda-powertools/logger';
import { UpdateItemCommand, type UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import aslValidator from 'asl-validator';
import { mockClient } from 'aws-sdk-client-mock';
import { ExecutionError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { replayDriverDefinition } from '../../lib/replay-driver.js';
import type { DynamoDbEventStore } from '../../lambdas/aws/dynamodb-event-store.js';
import type { DynamoDbReplayJobStore } from '../../lambdas/aws/dynamodb-replay-job-store.js';
import { EventBridgeReplayEmitter } from '../../lambdas/aws/eventbridge-replay-emitter.js';
import { ReplayPageRunner, type ReplayPageLimits } from '../../lambdas/core/app/replay-page.js';
import { SqsDeadLetterQueue } from '../../lambdas/aws/sqs-dead-letter-queue.js';
import type { EngineEvent } from '../../lambdas/core/index.js';
import { createReplayPageHandler } from '../../lambdas/aws/jobs/replay-page.js';
import { useDynalite } from '../support/dynalite.js';
import { acceptAll, expectedIds, originalIdOf, putEventsCalls, recordJob, replayRuleSet, seedReplayTables } from '../support/replay-fixtures.js';

const PAGE_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:edwe-replay-page';
const DRIVER_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:EdweStack-Replay-Driver';
const ENTERED = '2026-11-26T12:00:00.000Z';
const eb = mockClient(EventBridgeClient);
const sqs = mockClient(SQSClient);
const silent = new Logger({ logLevel: 'SILENT' });
const isPremium = (e: EngineEvent) => e.type === 'user_registration' && (e.data as { user_type?: string }).user_type === 'premium';

type Handler = (input: any) => Promise<unknown>;

describe('the replay driver state machine (run by aws-local-stepfunctions, pages on dynalite)', () => {
  const dynalite = useDynalite();
  let stateTable: string;
  let store: DynamoDbEventStore;
  let jobs: DynamoDbReplayJobStore;
  let events: EngineEvent[];
  let base: number;

  beforeAll(async () => {
    ({ stateTable, store, jobs, events, base } = await seedReplayTables(dynalite, 400, 1));
  });
  beforeEach(() => {
    eb.reset();
    sqs.reset();
    acceptAll(eb);
  });

  /** The definition as CDK deploys it, its placeholders substituted. */
  const definition = (): StateMachineDefinition =>
    JSON.parse(
      JSON.stringify(replayDriverDefinition()).replaceAll('${ReplayPageFunctionArn}', PAGE_ARN).replaceAll('${StateTableName}', stateTable),
    ) as StateMachineDefinition;

  /** The page Lambda as the driver invokes it (`lambda:invoke`: Payload in, `{ Payload }` out). */
  function pageTask(limits: Partial<ReplayPageLimits> = {}, before?: (call: number) => Promise<void>): Handler & { calls: number } {
    const emitter = new EventBridgeReplayEmitter({ client: new EventBridgeClient({ region: 'us-east-1' }), eventBusName: 'bus' });
    const deadLetters = new SqsDeadLetterQueue({ client: new SQSClient({ region: 'us-east-1' }), queueUrl: 'https://sqs.example/dlq' });
    const page = createReplayPageHandler({ runner: new ReplayPageRunner({ jobs, events: store, emitter, deadLetters, ruleSet: replayRuleSet(), limits }), logger: silent });
    const task = Object.assign(
      async (input: { Payload: unknown }) => {
        task.calls++;
        await before?.(task.calls);
        return { StatusCode: 200, Payload: await page(input.Payload) };
      },
      { calls: 0 },
    );
    return task;
  }

  /** DynamoDB's `updateItem` integration, carried out on dynalite with the state's parameters. */
  const updateItemTask: Handler = async (input: UpdateItemCommandInput) => {
    try {
      return await dynalite.client().send(new UpdateItemCommand(input));
    } catch (error) {
      throw Object.assign(new Error((error as Error).message), { name: `DynamoDB.${(error as Error).name}` });
    }
  };

  function run(replayId: string, handlers: Record<string, Handler>) {
    return new StateMachine(definition(), { validationOptions: { checkPaths: true } }).run(
      { replayId, generation: 0, page: 0 },
      {
        overrides: {
          taskResourceLocalHandlers: { MarkFailed: updateItemTask, ...handlers } as never,
          retryIntervalOverrides: { Page: 0, ContinueAsNew: 0, MarkFailed: 0 },
          waitTimeOverrides: { Pace: 0 },
        },
        context: { StateMachine: { Id: DRIVER_ARN, Name: 'EdweStack-Replay-Driver' }, State: { EnteredTime: ENTERED } },
      },
    ).result;
  }

  const aRunningJob = (fromMinute = 0, toMinute = 60) => recordJob(jobs, base + fromMinute * 60_000, base + toMinute * 60_000, { workflowId: 'onboarding_workflow' });

  it('is valid Amazon States Language', () => {
    const result = aslValidator(definition() as never);

    expect(result.errors).toEqual([]);
    expect(result.isValid).toBe(true);
  });

  it('loops page by page until the job is done, and every selected event is emitted once, in order', async () => {
    const replayId = await aRunningJob();
    const page = pageTask({ maxEntries: 20 });

    const output = await run(replayId, { Page: page });

    const expected = expectedIds(events, base, base + 3_600_000, isPremium);
    expect(output).toMatchObject({ replayId, status: 'completed', more: false });
    expect(page.calls).toBe(Math.ceil(expected.length / 20) + (expected.length % 20 === 0 ? 1 : 0));
    expect(putEventsCalls(eb).flat().map(originalIdOf)).toEqual(expected);
    expect((await jobs.get(replayId))?.job).toMatchObject({ status: 'completed', emitted: expected.length });
  });

  it('stops at the next page once the job is cancelled', async () => {
    const replayId = await aRunningJob();
    const page = pageTask({ maxEntries: 10 }, async (call) => {
      if (call === 3) await jobs.cancel(replayId, ENTERED);
    });

    const output = await run(replayId, { Page: page });

    expect(output).toMatchObject({ status: 'cancelled', more: false });
    expect(page.calls).toBe(3);
    expect(putEventsCalls(eb).flat()).toHaveLength(20);
  });

  it('runs a crashed page again from the recorded cursor', async () => {
    const replayId = await aRunningJob();
    const page = pageTask({ maxEntries: 20 }, async (call) => {
      if (call === 2) throw Object.assign(new Error('Runtime exited'), { name: 'Runtime.ExitError' });
    });

    const output = await run(replayId, { Page: page });

    const sent = putEventsCalls(eb).flat().map(originalIdOf);
    expect(output).toMatchObject({ status: 'completed' });
    expect(sent).toEqual(expectedIds(events, base, base + 3_600_000, isPremium));
  });

  it('marks the job failed in the State table when its pages keep failing', async () => {
    const replayId = await aRunningJob();
    const page = pageTask({}, async () => {
      throw Object.assign(new Error('the bus refuses us'), { name: 'AccessDeniedException' });
    });

    const outcome = run(replayId, { Page: page });

    await expect(outcome).rejects.toBeInstanceOf(ExecutionError);
    await expect(outcome).rejects.toThrow(/ReplayFailed|kept failing/);
    expect(page.calls).toBe(3);
    expect((await jobs.get(replayId))?.job).toMatchObject({ status: 'failed', finishedAt: ENTERED, error: expect.stringContaining('the bus refuses us') });
  });

  it('continues as a new execution of itself after its page allowance', async () => {
    const replayId = await aRunningJob();
    const started: unknown[] = [];

    const output = await run(replayId, {
      Page: pageTask({ maxEntries: 10, maxPagesPerExecution: 2 }),
      ContinueAsNew: async (input) => {
        started.push(input);
        return { ExecutionArn: `${DRIVER_ARN}:${replayId}-1` };
      },
    });

    expect(started).toEqual([{ StateMachineArn: DRIVER_ARN, Name: `${replayId}-1`, Input: { replayId, generation: 1, page: 0 } }]);
    expect(output).toMatchObject({ replayId, generation: 1, page: 0, continueAsNew: true });
    expect(putEventsCalls(eb).flat()).toHaveLength(20);
  });

  it('waits in the driver, not the Lambda, when rate control asks for longer than a page', async () => {
    const answers = [
      { replayId: 'R', generation: 0, page: 1, status: 'running', more: true, continueAsNew: false, waitSeconds: 100 },
      { replayId: 'R', generation: 0, page: 2, status: 'completed', more: false, continueAsNew: false, waitSeconds: 0 },
    ];
    const inputs: unknown[] = [];

    const output = await run('R', { Page: async (input) => (inputs.push(input.Payload), { StatusCode: 200, Payload: answers.shift() }) });

    expect(inputs).toEqual([
      { replayId: 'R', generation: 0, page: 0 },
      { replayId: 'R', generation: 0, page: 1 },
    ]);
    expect(output).toMatchObject({ status: 'completed' });
  });
});
