import { DeleteItemCommand, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, ListExecutionsCommand, StopExecutionCommand, type ExecutionListItem } from '@aws-sdk/client-sfn';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { eventKey } from '../../lambdas/aws/event-item.js';
import { EVENTS_TABLE } from '../../lambdas/layout/events-table.js';
import { CorrelationMetricsPass, executionName, NO_METRICS, RetryableError, type Trigger, type WorkflowStarter } from '../../lambdas/core/index.js';
import { ACTIVITY_SK, activityKey, DynamoDbCorrelationCounters } from '../../lambdas/aws/dynamodb-correlation-counters.js';
import { createIngestHandler, type IngestHttpHandler } from '../../lambdas/aws/http/ingest-http.js';
import { ingestDepsFromEnv } from '../../lambdas/aws/wiring/ingest.js';
import { createQueryHandler, type QueryHttpHandler } from '../../lambdas/aws/http/query-http.js';
import { queryDepsFromEnv } from '../../lambdas/aws/wiring/query.js';
import { createRouterHandler, type RouterDeps } from '../../lambdas/aws/streams/router.js';
import { routingDepsFromEnv } from '../../lambdas/aws/wiring/routing.js';
import { apiGatewayEvent, postEvent } from '../support/api-gateway.js';
import { awsClients, type AwsClients } from './support/aws-clients.js';
import { capturedLogs } from './support/captured-logs.js';
import { aRegistration, anId } from './support/fixtures.js';
import { resetMoto } from './support/moto.js';
import { receiveAllJson } from './support/queues.js';
import { createEngineResources, functionArn, ROUTER_EVENT_SOURCE, ROUTER_STREAM_FILTER, type EngineResources } from './support/resources.js';
import { createStreamPoller, sqsOnFailure, type StreamPoller } from './support/stream-poller.js';

const ROUTER_ARN = functionArn('edwe-router');

/** A starter that answers `ThrottlingException` once for the triggers `when` picks, then starts for real. */
function throttledOnce(starter: WorkflowStarter, when: (trigger: Trigger) => boolean): WorkflowStarter {
  const throttled = new Set<string>();
  return {
    start: async (trigger) => {
      if (when(trigger) && !throttled.has(trigger.executionName)) {
        throttled.add(trigger.executionName);
        throw new RetryableError(`starting ${trigger.executionName} was throttled (ThrottlingException)`);
      }
      return starter.start(trigger);
    },
  };
}

describe('routing on AWS: Events table stream → router Lambda → Step Functions', () => {
  let aws: AwsClients;
  let engine: EngineResources;
  let ingest: IngestHttpHandler;
  let query: QueryHttpHandler;
  let routerDeps: RouterDeps;
  let poller: StreamPoller;

  /** The router with the production dependencies (rules as bundled, ARNs from its environment), `starter` replaced if given. */
  const routeWith = (starter?: WorkflowStarter): StreamPoller =>
    createStreamPoller({
      client: aws.streams,
      streamArn: engine.eventsTable.streamArn,
      handler: createRouterHandler({ ...routerDeps, ...(starter === undefined ? {} : { starter }) }),
      filter: ROUTER_STREAM_FILTER,
      batchSize: ROUTER_EVENT_SOURCE.batchSize,
      retryAttempts: ROUTER_EVENT_SOURCE.retryAttempts,
      onFailure: sqsOnFailure(aws.sqs, engine.routerFailureQueue.url, ROUTER_ARN),
    });

  const executionsOf = async (workflowId: string): Promise<ExecutionListItem[]> =>
    (await aws.sfn.send(new ListExecutionsCommand({ stateMachineArn: engine.stateMachines.get(workflowId) }))).executions ?? [];

  const ingested = async <E extends { id: string }>(event: E): Promise<E> => {
    expect((await ingest(postEvent(event))).statusCode).toBe(202);
    return event;
  };

  beforeAll(() => {
    aws = awsClients();
  });

  beforeEach(async () => {
    // Each case starts from an empty AWS: its own table, stream, state machines and queues.
    await resetMoto(inject('motoEndpoint'));
    engine = await createEngineResources(aws);
    ingest = createIngestHandler(ingestDepsFromEnv(engine.env.ingestHttp));
    query = createQueryHandler(queryDepsFromEnv(engine.env.query));
    // The rules as lib/router.ts bundles them (JSON of the loaded project's rules).
    routerDeps = routingDepsFromEnv(engine.env.router, JSON.stringify(engine.project.rules));
    poller = routeWith();
  });

  afterAll(() => aws.destroy());

  it('starts the workflow a stored event matches, named <ruleId>-<hash(eventId)>, with the workflow input', async () => {
    const event = await ingested(aRegistration());

    const [invocation] = await poller.drain();

    expect(invocation?.records.map((r) => [r.eventName, r.eventSourceARN])).toEqual([['INSERT', engine.eventsTable.streamArn]]);
    expect(invocation?.failures).toEqual([]);
    const executions = await executionsOf('onboarding_workflow');
    expect(executions.map((e) => [e.name, e.status])).toEqual([[executionName('premium-onboarding', event.id), 'RUNNING']]);
    const { input } = await aws.sfn.send(new DescribeExecutionCommand({ executionArn: executions[0]?.executionArn }));
    expect(JSON.parse(input as string)).toEqual({ event, rule: { id: 'premium-onboarding', priority: 100 }, correlationId: event.id });
    // The router recorded it in the State table: the query Lambda answers GET /executions?eventId= from there.
    const listed = await query(apiGatewayEvent({ method: 'GET', resource: '/executions', query: { eventId: event.id } }));
    expect(JSON.parse(listed.body).executions).toMatchObject([
      { name: executionName('premium-onboarding', event.id), workflowId: 'onboarding_workflow', ruleId: 'premium-onboarding', eventId: event.id, status: 'RUNNING' },
    ]);
  });

  it('counts each routed event in its correlation in the State table, and the metrics pass closes it once idle', async () => {
    await ingested(aRegistration({ correlationId: 'signup-1' }));
    await ingested(aRegistration({ correlationId: 'signup-1' }, { user_type: 'basic' }));
    await poller.drain();
    // The pass as the sweeper runs it, ten minutes on: the correlation has been idle past the 5-minute window.
    const later = { now: () => Date.now() + 10 * 60_000 };
    const observed: Array<[string, number]> = [];
    const gauges: number[] = [];
    const metrics = { ...NO_METRICS, observe: (name: string, value: number) => void observed.push([name, value]), gauge: (_: string, v: number) => void gauges.push(v) };
    const store = new DynamoDbCorrelationCounters({ client: aws.dynamodb, tableName: engine.stateTable.tableName, clock: later });

    const report = await new CorrelationMetricsPass({ store, metrics, clock: later }).run();

    expect(report).toEqual({ closed: 1, active: 0, stoppedEarly: false });
    expect(observed.slice(0, 2)).toEqual([
      ['CorrelationEvents', 2],
      ['CorrelationWorkflows', 1],
    ]);
    expect(observed[2]?.[0]).toBe('CorrelationSpan');
    expect(gauges).toEqual([0]);
  });

  it('starts nothing for an event that no rule matches', async () => {
    await ingested(aRegistration({}, { user_type: 'basic' }));

    const drained = await poller.drain();

    expect(drained.map((i) => i.failures)).toEqual([[]]);
    expect(await executionsOf('onboarding_workflow')).toEqual([]);
  });

  it('is handed inserts only: an item updated or deleted (as TTL expiry does) reaches no invocation', async () => {
    const event = await ingested(aRegistration());
    await poller.drain();
    const key = marshall({ [EVENTS_TABLE.partitionKey]: eventKey(event.id) });

    await aws.dynamodb.send(
      new UpdateItemCommand({
        TableName: engine.eventsTable.tableName,
        Key: key,
        UpdateExpression: 'SET receivedAt = :now',
        ExpressionAttributeValues: marshall({ ':now': new Date().toISOString() }),
      }),
    );
    await aws.dynamodb.send(new DeleteItemCommand({ TableName: engine.eventsTable.tableName, Key: key }));

    expect(await poller.drain()).toEqual([]);
    expect(await executionsOf('onboarding_workflow')).toHaveLength(1);
  });

  it('starts nothing new when the same batch is delivered again: StartExecution answers with the running execution', async () => {
    await ingested(aRegistration());
    const [first] = await poller.drain();
    const [before] = await executionsOf('onboarding_workflow');

    const again = await createRouterHandler(routerDeps)({ Records: first?.records ?? [] });

    expect(again).toEqual({ batchItemFailures: [] });
    const after = await executionsOf('onboarding_workflow');
    expect(after.map((e) => [e.executionArn, e.startDate?.getTime()])).toEqual([[before?.executionArn, before?.startDate?.getTime()]]);
  });

  it('counts a redelivered event as started when its execution has closed (ExecutionAlreadyExists), not as a failure', async () => {
    await ingested(aRegistration());
    const [first] = await poller.drain();
    const [execution] = await executionsOf('onboarding_workflow');
    await aws.sfn.send(new StopExecutionCommand({ executionArn: execution?.executionArn }));

    const again = await createRouterHandler(routerDeps)({ Records: first?.records ?? [] });

    expect(again).toEqual({ batchItemFailures: [] });
    expect((await executionsOf('onboarding_workflow')).map((e) => e.status)).toEqual(['ABORTED']);
  });

  it('answers a redelivered Express start as already started from its execution record, without a second StartExecution', async () => {
    // send_confirmation is EXPRESS: Step Functions does not deduplicate those by name, the record's conditional put does.
    const confirmed = await ingested({
      id: anId('confirmed'),
      type: 'order.confirmed',
      source: 'shop',
      timestamp: '2026-03-04T05:06:07.000Z',
      correlationId: 'o-1',
      data: { orderId: 'o-1' },
    });
    const [first] = await poller.drain();
    const logs = capturedLogs();

    const again = await createRouterHandler({ ...routerDeps, logger: logs })({ Records: first?.records ?? [] });

    expect(again).toEqual({ batchItemFailures: [] });
    expect(logs.withMessage('execution started').map((entry) => [entry.executionName, entry.alreadyStarted])).toEqual([
      [executionName('send-order-confirmation', confirmed.id), true],
    ]);
    expect(await executionsOf('send_confirmation')).toHaveLength(1);
  });

  it('retries a failed start from that record on: the records before it are not delivered again, and every event starts once', async () => {
    const events = [aRegistration(), aRegistration(), aRegistration()];
    for (const event of events) await ingested(event);
    const second = events[1]?.id;
    const flaky = routeWith(throttledOnce(routerDeps.starter, (trigger) => trigger.input.event.id === second));

    const drained = await flaky.drain();

    const ids = (records: (typeof drained)[number]['records']) => records.map((r) => JSON.parse(r.dynamodb?.NewImage?.body?.S as string).id);
    expect(drained.map((i) => ids(i.records))).toEqual([events.map((e) => e.id), events.slice(1).map((e) => e.id)]);
    expect(drained.map((i) => i.failures)).toEqual([[drained[0]?.records[1]?.dynamodb?.SequenceNumber], []]);
    const names = (await executionsOf('onboarding_workflow')).map((e) => e.name).sort();
    expect(names).toEqual(events.map((e) => executionName('premium-onboarding', e.id)).sort());
  });

  it('counts each event of a batch delivered again after a partial failure once in its correlation', async () => {
    const events = [aRegistration({ correlationId: 'signup-9' }), aRegistration({ correlationId: 'signup-9' }), aRegistration({ correlationId: 'signup-9' })];
    for (const event of events) await ingested(event);
    const flaky = routeWith(throttledOnce(routerDeps.starter, (trigger) => trigger.input.event.id === events[1]?.id));

    const drained = await flaky.drain();

    // The third event was routed (and counted) in the first delivery, and routed again in the second.
    expect(drained.map((i) => i.records.length)).toEqual([3, 2]);
    const { Item } = await aws.dynamodb.send(
      new GetItemCommand({ TableName: engine.stateTable.tableName, Key: marshall({ pk: activityKey('signup-9'), sk: ACTIVITY_SK }), ConsistentRead: true }),
    );
    expect(unmarshall(Item ?? {}).events).toBe(3);
  });

  it('sends a record that keeps failing to the failure queue after the retries, and moves on to the next events', async () => {
    // An item that is not a stored event: the router cannot read it, however often it is delivered.
    await aws.dynamodb.send(
      new PutItemCommand({ TableName: engine.eventsTable.tableName, Item: marshall({ [EVENTS_TABLE.partitionKey]: eventKey('poison'), id: 'poison', body: 'not json' }) }),
    );

    const poisoned = await poller.drain();
    const event = await ingested(aRegistration());
    const next = await poller.drain();

    expect(poisoned).toHaveLength(1 + ROUTER_EVENT_SOURCE.retryAttempts);
    const failures = await receiveAllJson<{ requestContext: { condition: string }; DDBStreamBatchInfo: Record<string, unknown> }>(aws.sqs, engine.routerFailureQueue.url);
    const poisonSequence = poisoned[0]?.records[0]?.dynamodb?.SequenceNumber;
    expect(failures).toEqual([
      expect.objectContaining({
        requestContext: expect.objectContaining({ condition: 'RetryAttemptsExhausted', functionArn: ROUTER_ARN }),
        DDBStreamBatchInfo: expect.objectContaining({
          startSequenceNumber: poisonSequence,
          endSequenceNumber: poisonSequence,
          batchSize: 1,
          streamArn: engine.eventsTable.streamArn,
        }),
      }),
    ]);
    expect(next.map((i) => i.failures)).toEqual([[]]);
    expect((await executionsOf('onboarding_workflow')).map((e) => e.name)).toEqual([executionName('premium-onboarding', event.id)]);
  });
});
