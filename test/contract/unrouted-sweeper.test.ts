import { Logger } from '@aws-lambda-powertools/logger';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { SFNClient, SFNServiceException, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbEventStore, eventKey } from '../../lambdas/aws/dynamodb-event-store.js';
import { DynamoDbRoutingMarks } from '../../lambdas/aws/dynamodb-routing-marks.js';
import { SfnWorkflowStarter } from '../../lambdas/aws/sfn-workflow-starter.js';
import { compileRules, EventRouter, UnroutedSweeper, type DeadLetter, type EngineEvent, type Rule } from '../../lambdas/core/index.js';
import { createRouterHandler } from '../../lambdas/aws/streams/router.js';
import { createSweeperHandler } from '../../lambdas/aws/jobs/sweeper.js';
import { useDynalite } from '../support/dynalite.js';
import { streamEvent, streamRecord } from '../support/stream-records.js';

const ONBOARDING_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:Onboarding';
const RECEIVED = Date.parse('2026-06-01T10:00:00.000Z');
const MINUTE = 60_000;
const RULES: Rule[] = [{ id: 'onboard', eventType: 'user_registration', workflow: 'onboarding_workflow', priority: 0, conditions: [], stop: false, enabled: true }];

let counter = 0;
const anEvent = (): EngineEvent => ({
  id: `01JSWEEP${String(++counter).padStart(6, '0')}`,
  type: 'user_registration',
  source: 'web',
  timestamp: '2026-06-01T09:59:00.000Z',
  data: { userId: 'u-1' },
});

describe('the sweeper and the routedAt mark (Events table on dynalite, Step Functions mocked)', () => {
  const sfn = mockClient(SFNClient);
  const silent = new Logger({ logLevel: 'SILENT' });
  const dynalite = useDynalite();
  let tableName: string;
  let store: DynamoDbEventStore;
  let now: number;
  let letters: DeadLetter[];
  let marks: DynamoDbRoutingMarks;
  let sweeper: UnroutedSweeper;

  const item = async (id: string) => {
    const { Item } = await dynalite.client().send(new GetItemCommand({ TableName: tableName, Key: marshall({ pk: eventKey(id) }), ConsistentRead: true }));
    return Item === undefined ? undefined : unmarshall(Item);
  };
  const starts = () => sfn.commandCalls(StartExecutionCommand).map((call) => call.args[0].input.name);

  afterAll(() => {
    sfn.restore();
  });
  beforeEach(async () => {
    sfn.reset();
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${ONBOARDING_ARN}:run`, startDate: new Date() });
    const client = dynalite.client();
    tableName = await dynalite.eventsTable();
    now = RECEIVED;
    const clock = { now: () => now };
    store = new DynamoDbEventStore({ client, tableName, clock });
    marks = new DynamoDbRoutingMarks({ client, tableName, clock });
    letters = [];
    const router = new EventRouter({
      ruleSet: compileRules(RULES),
      starter: new SfnWorkflowStarter({ client: new SFNClient({ region: 'us-east-1' }), stateMachineArns: { onboarding_workflow: ONBOARDING_ARN } }),
      marks,
      clock,
    });
    sweeper = new UnroutedSweeper({
      marks,
      route: (event, receivedAt) => router.route(event, { ...(receivedAt === undefined ? {} : { receivedAt }), via: 'sweeper' }),
      deadLetters: { send: async (letter) => void letters.push(letter) },
      clock,
      minAgeMs: 10 * MINUTE,
      maxAttempts: 3,
    });
  });

  it('stores every event unrouted: no routedAt, in the byUnrouted index', async () => {
    const event = anEvent();
    await store.put(event);

    expect(await item(event.id)).toMatchObject({ unrouted: expect.stringMatching(/^\d+$/), receivedAt: '2026-06-01T10:00:00.000Z' });
    expect((await item(event.id))?.routedAt).toBeUndefined();
  });

  it('routes an event stored but never routed once, and not again on the next sweep', async () => {
    const event = anEvent();
    await store.put(event);
    now = RECEIVED + 15 * MINUTE;

    const first = await sweeper.sweep();
    const second = await sweeper.sweep();

    expect(first).toMatchObject({ found: 1, routed: [event.id], failed: [], parked: [] });
    expect(second).toMatchObject({ found: 0, routed: [] });
    expect(starts()).toHaveLength(1);
    expect(await item(event.id)).toMatchObject({ routedAt: '2026-06-01T10:15:00.000Z', sweeps: 1 });
    expect((await item(event.id))?.unrouted).toBeUndefined();
  });

  it('leaves an event younger than the minimum age to the router', async () => {
    await store.put(anEvent());
    now = RECEIVED + 5 * MINUTE;

    expect(await sweeper.sweep()).toMatchObject({ found: 0 });
    expect(starts()).toEqual([]);
  });

  it('never sees an event the router routed: the router marks it routed', async () => {
    const event = anEvent();
    await store.put(event);
    const router = createRouterHandler({
      ruleSet: compileRules(RULES),
      starter: new SfnWorkflowStarter({ client: new SFNClient({ region: 'us-east-1' }), stateMachineArns: { onboarding_workflow: ONBOARDING_ARN } }),
      marks,
      logger: silent,
    });

    const { batchItemFailures } = await router(streamEvent(streamRecord((await item(event.id)) as Record<string, unknown>)));
    now = RECEIVED + 15 * MINUTE;

    expect(batchItemFailures).toEqual([]);
    expect(await item(event.id)).toMatchObject({ routedAt: '2026-06-01T10:00:00.000Z' });
    expect(await sweeper.sweep()).toMatchObject({ found: 0 });
    expect(starts()).toHaveLength(1);
  });

  it('parks an event whose routing fails at every sweep, after the last attempt, and reports it', async () => {
    sfn
      .on(StartExecutionCommand)
      .rejects(new SFNServiceException({ name: 'StateMachineDoesNotExist', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'no such machine' }));
    const event = anEvent();
    await store.put(event);
    now = RECEIVED + 15 * MINUTE;

    const sweeps = [await sweeper.sweep(), await sweeper.sweep(), await sweeper.sweep(), await sweeper.sweep()];

    expect(sweeps.map((s) => [s.failed.length, s.parked.length])).toEqual([
      [1, 0],
      [1, 0],
      [1, 1],
      [0, 0],
    ]);
    expect(letters).toEqual([
      expect.objectContaining({
        source: 'sweeper',
        reason: 'unroutable',
        record: { eventId: event.id, attempts: 3 },
        message: expect.stringContaining('StateMachineDoesNotExist'),
      }),
    ]);
    expect(await item(event.id)).toMatchObject({ sweeps: 3, parkedAt: '2026-06-01T10:15:00.000Z' });
    expect((await item(event.id))?.unrouted).toBeUndefined();
  });

  it('routes a parked event by id when asked (a redrive), once', async () => {
    sfn
      .on(StartExecutionCommand)
      .rejectsOnce(new SFNServiceException({ name: 'StateMachineDoesNotExist', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'gone' }));
    const event = anEvent();
    await store.put(event);
    await marks.park(event.id);

    const first = await sweeper.routeByIds([event.id]);
    const second = await sweeper.routeByIds([event.id]);
    const third = await sweeper.routeByIds([event.id, 'no-such-event']);

    expect(first).toEqual([{ eventId: event.id, outcome: 'failed', error: 'StateMachineDoesNotExist: gone' }]);
    expect(second).toEqual([{ eventId: event.id, outcome: 'routed' }]);
    expect(third).toEqual([
      { eventId: event.id, outcome: 'not-pending' },
      { eventId: 'no-such-event', outcome: 'not-pending' },
    ]);
    expect(await item(event.id)).toMatchObject({ routedAt: expect.any(String) });
  });

  it("answers the schedule with a sweep, and a redrive request with each event's outcome (the handler)", async () => {
    const event = anEvent();
    await store.put(event);
    now = RECEIVED + 15 * MINUTE;
    const handler = createSweeperHandler({ sweeper, logger: silent });

    const scheduled = await handler({ 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} });
    const requested = await handler({ eventIds: [event.id] });

    expect(scheduled).toMatchObject({ found: 1, routed: [event.id] });
    expect(requested).toEqual({ results: [{ eventId: event.id, outcome: 'not-pending' }] });
  });
});
