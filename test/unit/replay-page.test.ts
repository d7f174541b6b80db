import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type DynamoDbEventStore, timePartitionKey } from '../../lambdas/aws/dynamodb-event-store.js';
import { TIME_SHARDS } from '../../lambdas/layout/events-table.js';
import type { DynamoDbReplayJobStore } from '../../lambdas/aws/dynamodb-replay-job-store.js';
import { EventBridgeReplayEmitter } from '../../lambdas/aws/eventbridge-replay-emitter.js';
import { ReplayPageRunner, type ReplayPageLimits, type ReplayPageRunnerDeps } from '../../lambdas/core/app/replay-page.js';
import { SqsDeadLetterQueue } from '../../lambdas/aws/sqs-dead-letter-queue.js';
import { DRY_RUN_SAMPLE, executionName, replayView, type EngineEvent, type ReplayRequest } from '../../lambdas/core/index.js';
import { useDynalite } from '../support/dynalite.js';
import { acceptAll, expectedIds, originalIdOf, putEventsCalls, recordJob, replayRuleSet, runToEnd, seedReplayTables } from '../support/replay-fixtures.js';

const BUS = 'edwe-engine-bus';
const DLQ_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/edwe-replay-dead-letters';
const MINUTE = 60_000;
const eb = mockClient(EventBridgeClient);
const sqs = mockClient(SQSClient);
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

const isPremium = (e: EngineEvent) => e.type === 'user_registration' && (e.data as { user_type?: string }).user_type === 'premium';
const throttled = () =>
  Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $fault: 'client', $retryable: { throttling: true }, $metadata: { httpStatusCode: 400 } });

describe('a replay page on AWS (dynalite time index, PutEvents stubbed)', () => {
  const dynalite = useDynalite();
  let store: DynamoDbEventStore;
  let jobs: DynamoDbReplayJobStore;
  let events: EngineEvent[];
  let base: number;
  let sleeps: number[];

  beforeAll(async () => {
    ({ store, jobs, events, base } = await seedReplayTables(dynalite, 10_000, 3));
  });
  beforeEach(() => {
    eb.reset();
    sqs.reset();
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
    sleeps = [];
  });

  /** A runner over the seeded events: a real store and job table, PutEvents and SQS stubbed, backoff recorded. */
  function aRunner(overrides: Partial<ReplayPageRunnerDeps> & { limits?: Partial<ReplayPageLimits> } = {}): ReplayPageRunner {
    const emitter = new EventBridgeReplayEmitter({
      client: new EventBridgeClient({ region: 'us-east-1', credentials }),
      eventBusName: BUS,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 0.5,
    });
    const deadLetters = new SqsDeadLetterQueue({ client: new SQSClient({ region: 'us-east-1', credentials }), queueUrl: DLQ_URL });
    return new ReplayPageRunner({ jobs, events: store, emitter, deadLetters, ruleSet: replayRuleSet(), ...overrides });
  }

  /** Records a running job over minutes `[from, to)` of the fixture. */
  const aJobOver = (from: number, to: number, request: Partial<ReplayRequest> = {}) => recordJob(jobs, base + from * MINUTE, base + to * MINUTE, request);

  const window = (from: number, to: number, keep: (e: EngineEvent) => boolean) => expectedIds(events, base + from * MINUTE, base + to * MINUTE, keep);
  const job = async (replayId: string) => (await jobs.get(replayId))!;

  it('replays a 90-minute window for one workflow: exactly its events, in (timestamp, id) order, through PutEvents', async () => {
    acceptAll(eb);
    const replayId = await aJobOver(45, 135, { workflowId: 'onboarding_workflow' });
    const expected = window(45, 135, isPremium);

    const pages = await runToEnd(aRunner(), replayId);

    const calls = putEventsCalls(eb);
    const entries = calls.flat();
    expect(new Set(events.map((e) => timePartitionKey(e.timestamp, e.id))).size).toBe(3 * TIME_SHARDS);
    expect(expected.length).toBeGreaterThan(1000);
    expect(calls.every((call) => call.length >= 1 && call.length <= 10)).toBe(true);
    expect(entries.map(originalIdOf)).toEqual(expected);
    const byId = new Map(events.map((e) => [e.id, e]));
    for (const entry of entries) {
      const event = byId.get(originalIdOf(entry)) as EngineEvent;
      expect(entry).toMatchObject({ EventBusName: BUS, Source: 'edwe.replay', DetailType: 'user_registration', Time: new Date(event.timestamp) });
    }
    const first = byId.get(expected[0] as string) as EngineEvent;
    expect(JSON.parse(entries[0]?.Detail as string)).toEqual({
      workflowId: 'onboarding_workflow',
      ruleId: 'premium-onboarding',
      executionName: executionName('premium-onboarding', first.id, replayId),
      input: { event: first, rule: { id: 'premium-onboarding', priority: 100 }, correlationId: first.id, replay: { replayId } },
      replay: { replayId, originalEventId: first.id },
    });
    const inWindow = window(45, 135, () => true);
    expect(pages.length).toBeGreaterThan(2);
    expect(pages.at(-1)).toMatchObject({ status: 'completed', more: false });
    expect((await job(replayId)).job).toMatchObject({
      status: 'completed',
      matched: expected.length,
      emitted: expected.length,
      failed: 0,
      scanned: inWindow.length,
      cursor: { id: inWindow.at(-1) },
    });
  });

  it('narrows to eventTypes across workflows, each entry addressed to its workflow', async () => {
    acceptAll(eb);
    const replayId = await aJobOver(10, 20, { eventTypes: ['order.placed', 'order.confirmed'] });

    await runToEnd(aRunner(), replayId);

    const details = putEventsCalls(eb)
      .flat()
      .map((entry) => ({ id: originalIdOf(entry), type: entry.DetailType, workflowId: JSON.parse(entry.Detail as string).workflowId }));
    expect(details.map((d) => d.id)).toEqual(window(10, 20, (e) => e.type.startsWith('order.')));
    expect(details.every((d) => d.workflowId === (d.type === 'order.placed' ? 'order_fulfilment' : 'send_confirmation'))).toBe(true);
  });

  it('emits nothing on a dry run, and records the counts and the first 100 event ids', async () => {
    const replayId = await aJobOver(45, 135, { workflowId: 'onboarding_workflow', dryRun: true });
    const expected = window(45, 135, isPremium);

    await runToEnd(aRunner(), replayId);

    expect(eb.commandCalls(PutEventsCommand)).toHaveLength(0);
    expect(replayView((await job(replayId)).job)).toMatchObject({
      status: 'completed',
      dryRun: true,
      matched: expected.length,
      emitted: 0,
      eventIds: expected.slice(0, DRY_RUN_SAMPLE),
    });
  });

  it('resends throttled and internal-failure entries before moving on, and dead-letters malformed ones: counts add up', async () => {
    const ok = { EventId: 'eb-ok' };
    eb.on(PutEventsCommand)
      .rejectsOnce(throttled())
      .resolvesOnce({
        FailedEntryCount: 3,
        Entries: [
          ok,
          { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' },
          ok,
          { ErrorCode: 'InternalFailure', ErrorMessage: 'Internal' },
          ok,
          { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed' },
          ok,
          ok,
          ok,
          ok,
        ],
      })
      .callsFake((input: { Entries: unknown[] }) => ({ FailedEntryCount: 0, Entries: input.Entries.map(() => ok) }));
    const replayId = await aJobOver(30, 45, { workflowId: 'onboarding_workflow' });
    const expected = window(30, 45, isPremium);

    await runToEnd(aRunner(), replayId);

    const calls = putEventsCalls(eb).map((call) => call.map(originalIdOf));
    const firstBatch = expected.slice(0, 10);
    expect(calls[0]).toEqual(firstBatch);
    expect(calls[1]).toEqual(firstBatch);
    expect(calls[2]).toEqual([firstBatch[1], firstBatch[3]]);
    expect(calls[3]?.[0]).toBe(expected[10]);
    // Delivered once: each accepted entry, over every call, is each expected event but the malformed one, once.
    const accepted = [...firstBatch.filter((_, i) => ![1, 3, 5].includes(i)), ...(calls.slice(2).flat() as string[])];
    expect(accepted.sort()).toEqual(expected.filter((id) => id !== firstBatch[5]).sort());
    expect(sleeps).toEqual([75, 150]);

    const letters = sqs.commandCalls(SendMessageCommand).map((c) => c.args[0].input);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      QueueUrl: DLQ_URL,
      MessageAttributes: { reason: { DataType: 'String', StringValue: 'MalformedDetail' }, source: { DataType: 'String', StringValue: 'replay' } },
    });
    const body = JSON.parse(letters[0]?.MessageBody as string);
    expect(body).toMatchObject({
      source: 'replay',
      reason: 'MalformedDetail',
      message: 'Detail is malformed',
      record: { replayId, eventId: firstBatch[5], workflowId: 'onboarding_workflow' },
    });
    expect(JSON.parse(Buffer.from(body.data, 'base64').toString('utf8')).detail.replay.originalEventId).toBe(firstBatch[5]);

    const { job: finished, failures } = await job(replayId);
    expect(finished).toMatchObject({ status: 'completed', matched: expected.length, emitted: expected.length - 1, failed: 1 });
    expect(finished.emitted + finished.failed).toBe(finished.matched);
    expect(failures).toEqual([
      {
        eventId: firstBatch[5],
        workflowId: 'onboarding_workflow',
        executionName: executionName('premium-onboarding', firstBatch[5] as string, replayId),
        reason: 'MalformedDetail',
        message: 'Detail is malformed',
      },
    ]);
  });

  it('resumes a crashed page from its recorded cursor: no event is emitted twice', async () => {
    let call = 0;
    eb.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => {
      if (++call === 4) throw new Error('Runtime exited with error: signal: killed');
      return { FailedEntryCount: 0, Entries: input.Entries.map(() => ({ EventId: 'eb' })) };
    });
    const replayId = await aJobOver(60, 75, { workflowId: 'onboarding_workflow' });
    const expected = window(60, 75, isPremium);
    const runner = aRunner();

    await expect(runner.run({ replayId, generation: 0, page: 0 })).rejects.toThrow('Runtime exited');
    const crashed = (await job(replayId)).job;
    await runToEnd(runner, replayId);

    const calls = putEventsCalls(eb);
    const sent = [...calls.slice(0, 3), ...calls.slice(4)].flat().map(originalIdOf);
    expect(crashed).toMatchObject({ status: 'running', emitted: 30, cursor: { id: expected[29] } });
    expect(calls[4]?.map(originalIdOf)[0]).toBe(expected[30]);
    expect(sent).toEqual(expected);
    expect(new Set(sent).size).toBe(sent.length);
    expect((await job(replayId)).job).toMatchObject({ status: 'completed', matched: expected.length, emitted: expected.length, failed: 0 });
  });

  it('stops at the next batch once the job is cancelled', async () => {
    const replayId = await aJobOver(75, 90, { workflowId: 'onboarding_workflow' });
    eb.on(PutEventsCommand).callsFake(async (input: { Entries: unknown[] }) => {
      await jobs.cancel(replayId, new Date().toISOString());
      return { FailedEntryCount: 0, Entries: input.Entries.map(() => ({ EventId: 'eb' })) };
    });

    const [result] = await runToEnd(aRunner(), replayId);

    expect(result).toMatchObject({ status: 'cancelled', more: false });
    expect(eb.commandCalls(PutEventsCommand)).toHaveLength(1);
    expect((await job(replayId)).job).toMatchObject({ status: 'cancelled', emitted: 10 });
  });

  it('paces PutEvents to ratePerSecond, across pages, in calls of at most a second’s worth', async () => {
    let now = Date.now();
    const at: number[] = [];
    eb.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => {
      at.push(now);
      return { FailedEntryCount: 0, Entries: input.Entries.map(() => ({ EventId: 'eb' })) };
    });
    const replayId = await aJobOver(90, 100, { workflowId: 'onboarding_workflow', ratePerSecond: 4 });
    const runner = aRunner({ clock: { now: () => now }, sleep: async (ms) => void (now += ms), limits: { maxEntries: 8 } });

    const pages = await runToEnd(runner, replayId);

    const sizes = putEventsCalls(eb).map((call) => call.length);
    expect(pages.length).toBeGreaterThan(2);
    expect(Math.max(...sizes)).toBe(4);
    // Each call reserves size / rate seconds before the next may go, also when the next is on a later page.
    sizes.slice(0, -1).forEach((size, i) => expect((at[i + 1] as number) - (at[i] as number)).toBeGreaterThanOrEqual((size / 4) * 1000));
  });

  it('caps a job at the deployment ceiling, and hands a wait longer than the page to the driver', async () => {
    acceptAll(eb);
    const capped = await aJobOver(100, 102, { workflowId: 'onboarding_workflow' });
    const slow = await aJobOver(100, 102, { workflowId: 'onboarding_workflow', ratePerSecond: 0.01 });
    let now = Date.now();
    const clock = { now: () => now };
    const sleep = async (ms: number) => void (now += ms);

    await runToEnd(aRunner({ maxRatePerSecond: 2, clock, sleep }), capped);
    const cappedSizes = putEventsCalls(eb).map((call) => call.length);
    eb.resetHistory();
    const result = await aRunner({ clock, sleep }).run({ replayId: slow, generation: 0, page: 0 });

    expect(Math.max(...cappedSizes)).toBe(2);
    expect(result).toMatchObject({ status: 'running', more: true, waitSeconds: 100 });
    expect(putEventsCalls(eb)).toHaveLength(1);
  });

  it('asks the driver to continue as a new execution after its page allowance', async () => {
    acceptAll(eb);
    const replayId = await aJobOver(110, 130, { workflowId: 'onboarding_workflow' });
    const runner = aRunner({ limits: { maxEntries: 10, maxPagesPerExecution: 2 } });

    const first = await runner.run({ replayId, generation: 0, page: 0 });
    const second = await runner.run(first);

    expect(first).toMatchObject({ generation: 0, page: 1, continueAsNew: false, more: true });
    expect(second).toMatchObject({ generation: 1, page: 0, continueAsNew: true, more: true });
  });
});
