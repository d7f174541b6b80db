import { ListExecutionsCommand, DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import type { EventBridgeEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executionName, REPLAY_SOURCE } from '../../lambdas/core/index.js';
import { createIngestHandler, type IngestHttpHandler } from '../../lambdas/aws/http/ingest-http.js';
import { ingestDepsFromEnv } from '../../lambdas/aws/wiring/ingest.js';
import { createReplayPageHandler, type ReplayPageHandler } from '../../lambdas/aws/jobs/replay-page.js';
import { replayPageDepsFromEnv, replayStartDepsFromEnv, replaysDepsFromEnv } from '../../lambdas/aws/wiring/replay.js';
import { createReplayStartHandler, type ReplayStartHandler } from '../../lambdas/aws/eventbridge/replay-start.js';
import { createReplaysHandler, type ReplaysHttpHandler } from '../../lambdas/aws/http/replays-http.js';
import { createRulesHandler } from '../../lambdas/aws/http/rules-http.js';
import { rulesDepsFromEnv } from '../../lambdas/aws/wiring/rules.js';
import { apiGatewayEvent, bodyOf, postEvent } from '../support/api-gateway.js';
import { awsClients, type AwsClients } from './support/aws-clients.js';
import { anId } from './support/fixtures.js';
import { receiveAllJson } from './support/queues.js';
import { createEngineResources, type EngineResources } from './support/resources.js';

/** Whole seconds, some minutes ago: inside the retention window a replay may reach back into. */
const BASE = Math.floor(Date.now() / 1000) * 1000 - 30 * 60_000;
const at = (seconds: number) => new Date(BASE + seconds * 1000).toISOString();

const anOrder = (seconds: number, orderId: string) => ({
  id: anId('order'),
  type: 'order.placed',
  source: 'shop',
  timestamp: at(seconds),
  data: { orderId, customerEmail: `${orderId}@example.com`, items: [{ sku: 'tea', quantity: 1 }] },
});

describe('replay on AWS: POST /replays → replay pages PutEvents → per-workflow bus rule → replay start → Step Functions', () => {
  let aws: AwsClients;
  let engine: EngineResources;
  let ingest: IngestHttpHandler;
  let replays: ReplaysHttpHandler;
  let page: ReplayPageHandler;
  let start: ReplayStartHandler;

  /** Plays the replay driver state machine: its execution's input is the first page; each page's answer leads to the next. */
  const driveReplay = async (replayId: string, pages = page) => {
    const { executions = [] } = await aws.sfn.send(new ListExecutionsCommand({ stateMachineArn: engine.replayDriverArn }));
    const execution = executions.find((e) => e.name === replayId);
    const { input } = await aws.sfn.send(new DescribeExecutionCommand({ executionArn: execution?.executionArn }));
    let result = await pages(JSON.parse(input as string));
    for (let count = 1; result.more; count++) {
      if (count > 20) throw new Error(`replay ${replayId} did not end in 20 pages`);
      result = await pages({ replayId: result.replayId, generation: result.generation, page: result.page });
    }
    return result;
  };

  beforeAll(async () => {
    aws = awsClients();
    engine = await createEngineResources(aws);
    // The rules as lib/replay.ts bundles them into the API and page functions.
    const rulesJson = JSON.stringify(engine.project.rules);
    ingest = createIngestHandler(ingestDepsFromEnv(engine.env.ingestHttp));
    replays = createReplaysHandler(replaysDepsFromEnv(engine.env.replaysApi, rulesJson));
    page = createReplayPageHandler(replayPageDepsFromEnv(engine.env.replayPage, rulesJson));
    start = createReplayStartHandler(replayStartDepsFromEnv(engine.env.replayStart));
  });

  afterAll(() => aws.destroy());

  it("delivers a workflow's replayed events to its rule's target in time order, marked as a replay, and to no other target", async () => {
    // Stored out of time order, with an event of another workflow and one outside the window.
    const orders = [anOrder(30, 'o-3'), anOrder(10, 'o-1'), anOrder(20, 'o-2')];
    const outside = anOrder(500, 'o-late');
    const registration = { id: anId('registration'), type: 'user_registration', source: 'web-app', timestamp: at(15), data: { userId: 'u-1', user_type: 'premium' } };
    for (const event of [...orders, outside, registration]) expect((await ingest(postEvent(event))).statusCode).toBe(202);

    const answer = await replays(apiGatewayEvent({ method: 'POST', resource: '/replays', body: { startTime: at(0), endTime: at(60), workflowId: 'order_fulfilment' } }));
    expect(answer.statusCode).toBe(202);
    const { replayId } = bodyOf(answer);
    const last = await driveReplay(replayId);

    expect(last).toMatchObject({ status: 'completed', more: false });
    const delivered = await receiveAllJson<{ source: string; 'detail-type': string; time: string; detail: Record<string, any> }>(
      aws.sqs,
      engine.replayTargets.get('order_fulfilment')?.url as string,
    );
    const inTimeOrder = [...orders].sort((a, b) => a.timestamp.localeCompare(b.timestamp));
    expect(delivered.map((d) => [d.source, d['detail-type'], d.detail.replay])).toEqual(
      inTimeOrder.map((order) => [REPLAY_SOURCE, 'order.placed', { replayId, originalEventId: order.id }]),
    );
    expect(delivered.map((d) => d.detail.executionName)).toEqual(inTimeOrder.map((order) => executionName('fulfil-order', order.id, replayId)));
    for (const [workflowId, queue] of engine.replayTargets) {
      if (workflowId !== 'order_fulfilment') expect(await receiveAllJson(aws.sqs, queue.url)).toEqual([]);
    }
    // The forwarding rule skips `edwe.replay`: replayed events never come back in as new events.
    expect(await receiveAllJson(aws.sqs, engine.busTarget.url)).toEqual([]);

    const shown = bodyOf(await replays(apiGatewayEvent({ method: 'GET', resource: '/replays/{replayId}', pathParameters: { replayId } })));
    expect(shown).toMatchObject({ replayId, status: 'completed', matched: 3, emitted: 3, failed: 0 });
  });

  it('starts each replayed execution under its replay name, with the replay in its input; a redelivery starts nothing new', async () => {
    const order = anOrder(40, 'o-start');
    await ingest(postEvent(order));
    const { replayId } = bodyOf(
      await replays(apiGatewayEvent({ method: 'POST', resource: '/replays', body: { startTime: at(40), endTime: at(41), workflowId: 'order_fulfilment' } })),
    );
    await driveReplay(replayId);
    const [delivery] = await receiveAllJson<EventBridgeEvent<string, unknown>>(aws.sqs, engine.replayTargets.get('order_fulfilment')?.url as string);

    const first = await start(delivery as EventBridgeEvent<string, unknown>);
    // EventBridge delivers at least once; a running execution's repeated start is answered idempotently.
    const again = await start(delivery as EventBridgeEvent<string, unknown>);

    const name = executionName('fulfil-order', order.id, replayId);
    expect([first, again]).toEqual([
      { executionName: name, alreadyStarted: false },
      { executionName: name, alreadyStarted: expect.any(Boolean) },
    ]);
    const { executions = [] } = await aws.sfn.send(new ListExecutionsCommand({ stateMachineArn: engine.stateMachines.get('order_fulfilment') }));
    const started = executions.filter((e) => e.name === name);
    expect(started).toHaveLength(1);
    const { input } = await aws.sfn.send(new DescribeExecutionCommand({ executionArn: started[0]?.executionArn }));
    expect(JSON.parse(input as string)).toMatchObject({ event: order, rule: { id: 'fulfil-order' }, correlationId: 'o-start', replay: { replayId } });
  });

  it('routes each event by the managed rule versions in force at its timestamp with "as-of-event", and all by today\'s with "current"', async () => {
    const registration = (seconds: number, userType: string) => ({
      id: anId('registration'),
      type: 'user_registration',
      source: 'web-app',
      timestamp: at(seconds),
      data: { userId: `u-${seconds}`, user_type: userType },
    });
    const [freeBefore, premiumBefore, freeBetween, freeAfter, trialAfter] = [
      registration(210, 'free'),
      registration(210, 'premium'),
      registration(230, 'free'),
      registration(250, 'free'),
      registration(250, 'trial'),
    ];
    for (const event of [freeBefore, premiumBefore, freeBetween, freeAfter, trialAfter]) expect((await ingest(postEvent(event))).statusCode).toBe(202);
    // The rules API's clock stamps each change: created at 220 s routing free users, changed at 240 s to trial users.
    let now = Date.parse(at(220));
    const rules = createRulesHandler(rulesDepsFromEnv(engine.env.rulesApi, JSON.stringify(engine.project.rules), { now: () => now }));
    const putRule = (userType: string) =>
      rules(
        apiGatewayEvent({
          method: 'PUT',
          resource: '/rules/{id}',
          pathParameters: { id: 'entry-onboarding' },
          body: { eventType: 'user_registration', workflow: 'onboarding_workflow', conditions: [{ field: 'user_type', value: userType }] },
        }),
      );
    expect((await putRule('free')).statusCode).toBe(201);
    now = Date.parse(at(240));
    expect((await putRule('trial')).statusCode).toBe(200);
    // Fresh containers: they read the managed layer on their first request, as a cold start does.
    const rulesJson = JSON.stringify(engine.project.rules);
    const api = createReplaysHandler(replaysDepsFromEnv(engine.env.replaysApi, rulesJson));
    const pages = createReplayPageHandler(replayPageDepsFromEnv(engine.env.replayPage, rulesJson));
    const replayed = async (rulesMode: string) => {
      const answer = await api(
        apiGatewayEvent({ method: 'POST', resource: '/replays', body: { startTime: at(200), endTime: at(260), workflowId: 'onboarding_workflow', rules: rulesMode } }),
      );
      expect(answer.statusCode).toBe(202);
      expect(await driveReplay(bodyOf(answer).replayId, pages)).toMatchObject({ status: 'completed' });
      const delivered = await receiveAllJson<{ detail: { ruleId: string; ruleVersion?: number | string; replay: { originalEventId: string } } }>(
        aws.sqs,
        engine.replayTargets.get('onboarding_workflow')?.url as string,
      );
      return delivered.map(({ detail }) => [detail.replay.originalEventId, detail.ruleId, detail.ruleVersion]).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    };
    const byId = (rows: Array<[string, string, number | string | undefined]>) => rows.sort((a, b) => a[0].localeCompare(b[0]));

    expect(await replayed('as-of-event')).toEqual(
      byId([
        [premiumBefore.id, 'premium-onboarding', expect.any(String)],
        [freeBetween.id, 'entry-onboarding', 1],
        [trialAfter.id, 'entry-onboarding', 2],
      ]),
    );
    expect(await replayed('current')).toEqual(
      byId([
        [premiumBefore.id, 'premium-onboarding', expect.any(String)],
        [trialAfter.id, 'entry-onboarding', 2],
      ]),
    );
  });
});
