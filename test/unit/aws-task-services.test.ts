import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbEventStore } from '../../lambdas/aws/dynamodb-event-store.js';
import { DynamoDbWaiterStore } from '../../lambdas/aws/dynamodb-waiter-store.js';
import { SfnTaskTokens } from '../../lambdas/aws/sfn-task-tokens.js';
import { taskServicesFromEnvironment } from '../../lambdas/aws/task-services.js';
import { CorrelationWaits, createTaskServices, type EngineEvent } from '../../lambdas/core/index.js';
import { handler as emitEvent } from '../../lambdas/tasks/emit-event.js';
import { installTaskServices } from '../../lambdas/tasks/runtime.js';
import { handler as waitForEvent } from '../../lambdas/tasks/wait-for-event.js';
import { useDynalite } from '../support/dynalite.js';

const NOW = Date.parse('2026-11-20T10:00:00.000Z');

describe('the built-in tasks on AWS (Events and State tables on dynalite, Step Functions mocked)', () => {
  const sfn = mockClient(SFNClient);
  const dynalite = useDynalite();
  let events: DynamoDbEventStore;
  let stateTable: string;

  afterAll(() => {
    sfn.restore();
  });
  beforeEach(async () => {
    sfn.reset();
    sfn.on(SendTaskSuccessCommand).resolves({});
    const client = dynalite.client();
    const eventsTable = await dynalite.eventsTable();
    stateTable = await dynalite.stateTable();
    events = new DynamoDbEventStore({ client, tableName: eventsTable, clock: { now: () => NOW } });
    const waits = new CorrelationWaits({
      waiters: new DynamoDbWaiterStore({ client, tableName: stateTable }),
      tokens: new SfnTaskTokens(new SFNClient({ region: 'us-east-1' })),
      events,
    });
    let ids = 0;
    installTaskServices(createTaskServices({ ingest: { store: events, envelope: { clock: { now: () => NOW }, ids: { newId: () => `emitted-${++ids}` } } }, waits }));
  });
  afterEach(() => installTaskServices(undefined));

  /** The waiter items of a correlation, as stored. */
  const waiterItems = async (correlationId: string) => {
    const { Items } = await dynalite.client().send(
      new QueryCommand({
        TableName: stateTable,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: `WAIT#${correlationId}` } },
        ConsistentRead: true,
      }),
    );
    return (Items ?? []).map((item) => unmarshall(item));
  };
  const aPayment = (id: string, correlationId: string, amount: number): EngineEvent => ({
    id,
    type: 'payment.received',
    source: 'payments',
    timestamp: new Date(NOW - 60_000).toISOString(),
    data: { amount },
    correlationId,
  });
  const sentTasks = () => sfn.commandCalls(SendTaskSuccessCommand).map((call) => call.args[0].input);

  it("emit-event stores the event with the workflow's correlationId, ready for the router's stream", async () => {
    const result = await emitEvent({ type: 'order.confirmed', data: { orderId: 'o-1' }, correlationId: 'o-1' });

    expect(result).toEqual({ id: 'emitted-1', type: 'order.confirmed' });
    expect(await events.get('emitted-1')).toEqual({
      id: 'emitted-1',
      type: 'order.confirmed',
      source: 'edwe.emit-event',
      timestamp: new Date(NOW).toISOString(),
      data: { orderId: 'o-1' },
      correlationId: 'o-1',
    });
  });

  it('wait-for-event completes its own task at once when the event arrived before the wait', async () => {
    const payment = aPayment('pay-1', 'o-2', 30);
    await events.put(payment);

    await waitForEvent({ taskToken: 'token-early', correlationId: 'o-2', eventType: 'payment.received', timeoutSeconds: 900 });

    expect(sentTasks()).toEqual([{ taskToken: 'token-early', output: JSON.stringify(payment) }]);
    expect(await waiterItems('o-2')).toEqual([]);
  });

  it("wait-for-event leaves a waiter with the wait's end as TTL when no event is there yet", async () => {
    await events.put(aPayment('pay-other', 'another-order', 30));
    const before = Math.floor(Date.now() / 1000);

    await waitForEvent({ taskToken: 'token-late', correlationId: 'o-3', eventType: 'payment.received', timeoutSeconds: 900 });

    expect(sentTasks()).toEqual([]);
    const [waiter] = await waiterItems('o-3');
    expect(waiter).toMatchObject({ token: 'token-late', eventType: 'payment.received', correlationId: 'o-3' });
    expect(waiter?.expiresAt).toBeGreaterThanOrEqual(before + 900);
    expect(waiter?.expiresAt).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 900);
  });

  it('wait-for-event looks back only at events its pattern matches', async () => {
    await events.put(aPayment('pay-small', 'o-4', 5));
    const big = aPayment('pay-big', 'o-4', 500);

    await waitForEvent({ taskToken: 'token-big', correlationId: 'o-4', eventType: 'payment.received', pattern: { data: { amount: [{ numeric: ['>=', 100] }] } } });
    expect(sentTasks()).toEqual([]);
    await events.put(big);
    await waitForEvent({ taskToken: 'token-big-2', correlationId: 'o-4', eventType: 'payment.received', pattern: { data: { amount: [{ numeric: ['>=', 100] }] } } });

    expect(sentTasks()).toEqual([{ taskToken: 'token-big-2', output: JSON.stringify(big) }]);
  });
});

describe('task services from the environment', () => {
  it('names every missing variable', () => {
    expect(() => taskServicesFromEnvironment({})).toThrow(/EVENTS_TABLE .*; STATE_TABLE /);
  });
});
