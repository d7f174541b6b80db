/**
 * Flow control of a managed rule on moto: the rule is written to the State table after the functions were deployed (as
 * the rules API writes it), the router holds the second trigger of a tenant behind `concurrency: 1`, and the lifecycle
 * function — its production wiring, the stack's environment, the rules bundled — frees the slot when Step Functions
 * reports the first execution's end, starting the waiting one on Step Functions. And a managed debounce rule's wake-up,
 * taken from the wake-up queue by the wake-up function, starts its window; after rule changes the function reads the
 * rules again before it decides (a rule it had not seen starts its window, a deleted rule's window ends ABORTED).
 */
import { ListExecutionsCommand, StopExecutionCommand, type ExecutionListItem } from '@aws-sdk/client-sfn';
import { DeleteMessageCommand, ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbExecutionStore } from '../../lambdas/aws/dynamodb-execution-store.js';
import { DynamoDbRuleStore } from '../../lambdas/aws/dynamodb-rule-store.js';
import { createLifecycleHandler, type StatusChangeEvent } from '../../lambdas/aws/eventbridge/lifecycle.js';
import { createIngestHandler } from '../../lambdas/aws/http/ingest-http.js';
import { createFlowWakeHandler } from '../../lambdas/aws/jobs/flow-wake.js';
import { createRouterHandler } from '../../lambdas/aws/streams/router.js';
import { ingestDepsFromEnv } from '../../lambdas/aws/wiring/ingest.js';
import { flowWakeDepsFromEnv } from '../../lambdas/aws/wiring/flow-wake.js';
import { lifecycleDepsFromEnv } from '../../lambdas/aws/wiring/lifecycle.js';
import { routingDepsFromEnv } from '../../lambdas/aws/wiring/routing.js';
import { RuleCatalog } from '../../lambdas/core/index.js';
import { postEvent } from '../support/api-gateway.js';
import { awsClients, type AwsClients } from './support/aws-clients.js';
import { anId } from './support/fixtures.js';
import { createEngineResources, ROUTER_EVENT_SOURCE, ROUTER_STREAM_FILTER, type EngineResources } from './support/resources.js';
import { createStreamPoller } from './support/stream-poller.js';

const WORKFLOW = 'onboarding_workflow';

/** Messages as Lambda's SQS event source mapping delivers them. */
const asSqsEvent = (messages: Message[]): SQSEvent => ({
  Records: messages.map((m) => ({
    messageId: m.MessageId as string,
    receiptHandle: m.ReceiptHandle as string,
    body: m.Body as string,
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'x', ApproximateFirstReceiveTimestamp: '0' },
    messageAttributes: {},
    md5OfBody: m.MD5OfBody as string,
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:edwe-flow-wake',
    awsRegion: 'us-east-1',
  })),
});

describe('flow control of a managed rule on moto: router → State table → lifecycle function → Step Functions', () => {
  let aws: AwsClients;
  let engine: EngineResources;

  beforeAll(async () => {
    aws = awsClients();
    engine = await createEngineResources(aws);
  });
  afterAll(() => aws.destroy());

  const executionsOf = async (): Promise<ExecutionListItem[]> =>
    (await aws.sfn.send(new ListExecutionsCommand({ stateMachineArn: engine.stateMachines.get(WORKFLOW) }))).executions ?? [];

  it('an end reported by Step Functions frees the managed rule’s concurrency slot and starts the tenant’s waiting trigger', async () => {
    const clock = { now: () => Date.now() };
    const rulesJson = JSON.stringify(engine.project.rules);
    // Functions deployed (their rule sets opened), then the rule is created through the catalog, as the rules API does.
    const routerDeps = routingDepsFromEnv(engine.env.router, rulesJson);
    const lifecycle = createLifecycleHandler(lifecycleDepsFromEnv(engine.env.router, rulesJson));
    const catalog = await RuleCatalog.open({
      store: new DynamoDbRuleStore({ client: aws.dynamodb, tableName: engine.stateTable.tableName }),
      files: engine.project.rules,
      workflows: new Set(engine.project.workflows.keys()),
      audit: async () => {},
      clock,
    });
    await catalog.put('serial-reports', { eventType: 'report.requested', workflow: WORKFLOW, concurrency: { limit: 1, key: 'data.tenant' } }, { by: 'admin' });

    const ingest = createIngestHandler(ingestDepsFromEnv(engine.env.ingestHttp));
    const report = (n: number) => ({
      id: anId(`report-${n}`),
      type: 'report.requested',
      source: 'reports',
      timestamp: new Date(Date.now() + n).toISOString(),
      data: { tenant: 'acme' },
    });
    for (const n of [1, 2]) expect((await ingest(postEvent(report(n)))).statusCode).toBe(202);
    const poller = createStreamPoller({
      client: aws.streams,
      streamArn: engine.eventsTable.streamArn,
      handler: createRouterHandler(routerDeps),
      filter: ROUTER_STREAM_FILTER,
      batchSize: ROUTER_EVENT_SOURCE.batchSize,
    });
    expect((await poller.drain()).flatMap((i) => i.failures)).toEqual([]);

    const [first, ...others] = await executionsOf();
    expect(others).toEqual([]);
    const records = new DynamoDbExecutionStore({ client: aws.dynamodb, tableName: engine.stateTable.tableName, clock });
    const queued = (await records.recent({ limit: 10, status: 'QUEUED' })).executions;
    expect(queued.map((e) => e.ruleId)).toEqual(['serial-reports']);

    // Step Functions ends the first and reports it on the default bus.
    await aws.sfn.send(new StopExecutionCommand({ executionArn: first?.executionArn, error: 'test', cause: 'ended by the test' }));
    const change: StatusChangeEvent = {
      version: '0',
      id: anId('status-change'),
      'detail-type': 'Step Functions Execution Status Change',
      source: 'aws.states',
      account: '123456789012',
      time: new Date().toISOString(),
      region: 'us-east-1',
      resources: [first?.executionArn as string],
      detail: {
        executionArn: first?.executionArn,
        stateMachineArn: engine.stateMachines.get(WORKFLOW),
        name: first?.name,
        status: 'ABORTED',
        startDate: first?.startDate?.getTime(),
        stopDate: Date.now(),
        error: 'test',
        cause: 'ended by the test',
      },
    };
    expect(await lifecycle(change)).toMatchObject({ kind: 'recorded', phase: 'aborted' });

    const after = await executionsOf();
    expect(after.map((e) => e.name).sort()).toEqual([first?.name, queued[0]?.name].sort());
    expect((await records.get(queued[0]?.name as string))?.status).toBe('RUNNING');
  });

  it('a wake-up of a managed debounce rule, received from the wake-up queue, starts the window’s execution with the last event', async () => {
    const clock = { now: () => Date.now() };
    const rulesJson = JSON.stringify(engine.project.rules);
    const routerDeps = routingDepsFromEnv(engine.env.router, rulesJson);
    const wake = createFlowWakeHandler(flowWakeDepsFromEnv(engine.env.router, rulesJson));
    const catalog = await RuleCatalog.open({
      store: new DynamoDbRuleStore({ client: aws.dynamodb, tableName: engine.stateTable.tableName }),
      files: engine.project.rules,
      workflows: new Set(engine.project.workflows.keys()),
      audit: async () => {},
      clock,
    });
    await catalog.put('quiet-accounts', { eventType: 'account.changed', workflow: WORKFLOW, debounce: { period: '1s', key: 'data.accountId' } }, { by: 'admin' });
    const before = (await executionsOf()).length;

    const ingest = createIngestHandler(ingestDepsFromEnv(engine.env.ingestHttp));
    const changes = [1, 2, 3].map((n) => ({
      id: anId(`account-${n}`),
      type: 'account.changed',
      source: 'crm',
      timestamp: new Date(Date.now() + n).toISOString(),
      data: { accountId: 'a-1', n },
    }));
    for (const change of changes) expect((await ingest(postEvent(change))).statusCode).toBe(202);
    const poller = createStreamPoller({
      client: aws.streams,
      streamArn: engine.eventsTable.streamArn,
      handler: createRouterHandler(routerDeps),
      filter: ROUTER_STREAM_FILTER,
    });
    expect((await poller.drain()).flatMap((i) => i.failures)).toEqual([]);
    expect(await executionsOf()).toHaveLength(before);

    // SQS hands each wake-up over once its delay is over (whole seconds; a wake-up a little early is sent again for the rest);
    // the mapping gives it to the function. Delivered as the mapping would, until the queue is empty.
    const woken: string[] = [];
    for (let round = 0; round < 5; round++) {
      const { Messages = [] } = await aws.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: engine.env.router.FLOW_WAKE_QUEUE_URL, MaxNumberOfMessages: 10, WaitTimeSeconds: 3, MessageSystemAttributeNames: ['All'] }),
      );
      if (Messages.length === 0) break;
      woken.push(...Messages.map((m) => JSON.parse(m.Body as string).ruleId as string));
      expect(await wake(asSqsEvent(Messages))).toEqual({ batchItemFailures: [] });
      for (const m of Messages) await aws.sqs.send(new DeleteMessageCommand({ QueueUrl: engine.env.router.FLOW_WAKE_QUEUE_URL, ReceiptHandle: m.ReceiptHandle }));
    }
    expect(woken).toContain('quiet-accounts');

    const all = await executionsOf();
    const started = all.filter((e) => e.name?.startsWith('quiet-accounts'));
    expect(all).toHaveLength(before + 1);
    expect(started).toHaveLength(1);
    const record = await new DynamoDbExecutionStore({ client: aws.dynamodb, tableName: engine.stateTable.tableName, clock }).get(started[0]?.name as string);
    expect(record).toMatchObject({ ruleId: 'quiet-accounts', eventId: changes[2]?.id, status: 'RUNNING' });
  });
  it('wake-ups after rule changes: a rule the function had not seen starts its window, a deleted rule’s window ends ABORTED', async () => {
    const clock = { now: () => Date.now() };
    const rulesJson = JSON.stringify(engine.project.rules);
    const routerDeps = routingDepsFromEnv(engine.env.router, rulesJson);
    const wakeDeps = flowWakeDepsFromEnv(engine.env.router, rulesJson);
    // The wake-up function reads its rules before either rule exists (a wake-up of another rule): up to 10 s stale after.
    await wakeDeps.wake({ ruleId: 'not-a-rule', key: 'none', dueAt: new Date().toISOString() });
    const wake = createFlowWakeHandler(wakeDeps);
    const catalog = await RuleCatalog.open({
      store: new DynamoDbRuleStore({ client: aws.dynamodb, tableName: engine.stateTable.tableName }),
      files: engine.project.rules,
      workflows: new Set(engine.project.workflows.keys()),
      audit: async () => {},
      clock,
    });
    await catalog.put('late-sync', { eventType: 'late.changed', workflow: WORKFLOW, debounce: { period: '1s', key: 'data.accountId' } }, { by: 'admin' });
    await catalog.put('gone-sync', { eventType: 'gone.changed', workflow: WORKFLOW, debounce: { period: '1s', key: 'data.accountId' } }, { by: 'admin' });

    const ingest = createIngestHandler(ingestDepsFromEnv(engine.env.ingestHttp));
    for (const type of ['late.changed', 'gone.changed']) {
      expect((await ingest(postEvent({ id: anId(type), type, source: 'crm', data: { accountId: 'a-1' } }))).statusCode).toBe(202);
    }
    const poller = createStreamPoller({
      client: aws.streams,
      streamArn: engine.eventsTable.streamArn,
      handler: createRouterHandler(routerDeps),
      filter: ROUTER_STREAM_FILTER,
    });
    expect((await poller.drain()).flatMap((i) => i.failures)).toEqual([]);
    await catalog.delete('gone-sync', { by: 'admin' });

    for (let round = 0; round < 5; round++) {
      const { Messages = [] } = await aws.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: engine.env.router.FLOW_WAKE_QUEUE_URL, MaxNumberOfMessages: 10, WaitTimeSeconds: 3, MessageSystemAttributeNames: ['All'] }),
      );
      if (Messages.length === 0) break;
      expect(await wake(asSqsEvent(Messages))).toEqual({ batchItemFailures: [] });
      for (const m of Messages) await aws.sqs.send(new DeleteMessageCommand({ QueueUrl: engine.env.router.FLOW_WAKE_QUEUE_URL, ReceiptHandle: m.ReceiptHandle }));
    }

    const records = new DynamoDbExecutionStore({ client: aws.dynamodb, tableName: engine.stateTable.tableName, clock });
    const byRule = (await records.recent({ limit: 50 })).executions.filter((e) => e.ruleId === 'late-sync' || e.ruleId === 'gone-sync');
    expect(byRule.map(({ ruleId, status, error }) => ({ ruleId, status, cause: error?.cause })).sort((a, b) => a.ruleId.localeCompare(b.ruleId))).toEqual([
      { ruleId: 'gone-sync', status: 'ABORTED', cause: 'rule deleted' },
      { ruleId: 'late-sync', status: 'RUNNING', cause: undefined },
    ]);
    expect((await executionsOf()).filter((e) => e.name?.startsWith('gone-sync'))).toEqual([]);
  });
});
