import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbEventStore } from '../../lambdas/aws/dynamodb-event-store.js';
import { NO_EXECUTIONS, type EngineEvent, type ExecutionRecord } from '../../lambdas/core/index.js';
import { createQueryHandler, type QueryHttpHandler } from '../../lambdas/aws/http/query-http.js';
import { queryDepsFromEnv } from '../../lambdas/aws/wiring/query.js';
import { apiGatewayEvent, bodyOf, getCorrelation, getEvent, listEvents } from '../support/api-gateway.js';
import { useDynalite } from '../support/dynalite.js';

const NOW = Date.parse('2026-11-01T12:00:00.000Z');
const at = (minute: number) => new Date(Date.UTC(2026, 10, 1, 10, minute)).toISOString();
const silent = new Logger({ logLevel: 'SILENT' });
const idsOf = (answer: APIGatewayProxyResult) => (bodyOf(answer).events as EngineEvent[]).map((e) => e.id);

const anEvent = (id: string, minute: number, overrides: Partial<EngineEvent> = {}): EngineEvent => ({
  id,
  type: 'order.placed',
  source: 'shop',
  timestamp: at(minute),
  data: { n: minute },
  ...overrides,
});

describe('query HTTP handler (store on dynalite)', () => {
  const dynalite = useDynalite();
  let store: DynamoDbEventStore;
  let query: QueryHttpHandler;

  beforeAll(async () => {
    store = new DynamoDbEventStore({ client: dynalite.client(), tableName: await dynalite.eventsTable(), retentionDays: 1, clock: { now: () => NOW } });
    query = createQueryHandler({ events: store, logger: silent });
    const events = [
      ...Array.from({ length: 25 }, (_, i) => anEvent(`page-${String(i).padStart(2, '0')}`, (i % 5) * 20)),
      anEvent('f-1', 1, { type: 'a', source: 'filter-test', correlationId: 'corr-f' }),
      anEvent('f-2', 2, { type: 'b', source: 'filter-test', correlationId: 'corr-f' }),
      anEvent('f-3', 3, { type: 'a', source: 'filter-test' }),
    ];
    for (const event of events) await store.put(event);
  });

  it('pages GET /events in (timestamp, id) order with an opaque cursor, losing and repeating nothing', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const answer = await query(listEvents({ source: 'shop', limit: '7', ...(cursor === undefined ? {} : { cursor }) }));
      expect(answer.statusCode).toBe(200);
      seen.push(...idsOf(answer));
      cursor = bodyOf(answer).cursor;
    } while (cursor !== undefined);

    const expected = Array.from({ length: 25 }, (_, i) => anEvent(`page-${String(i).padStart(2, '0')}`, (i % 5) * 20))
      .sort((a, b) => (a.timestamp + a.id < b.timestamp + b.id ? -1 : 1))
      .map((e) => e.id);
    expect(seen).toEqual(expected);
  });

  it('filters GET /events by type, time window and correlationId', async () => {
    const ids = async (params: Record<string, string>) => idsOf(await query(listEvents({ source: 'filter-test', ...params })));

    expect(await ids({ type: 'a' })).toEqual(['f-1', 'f-3']);
    expect(await ids({ from: at(2), to: at(3) })).toEqual(['f-2']);
    expect(await ids({ correlationId: 'corr-f' })).toEqual(['f-1', 'f-2']);
  });

  it('answers GET /events/{id} with the stored event, or 404 naming the id', async () => {
    const found = await query(getEvent('f-2'));
    const missing = await query(getEvent('nobody'));

    expect(found.statusCode).toBe(200);
    expect(bodyOf(found)).toEqual(anEvent('f-2', 2, { type: 'b', source: 'filter-test', correlationId: 'corr-f' }));
    expect(missing.statusCode).toBe(404);
    expect(bodyOf(missing).message).toContain('nobody');
  });

  it('answers {events: []} without a cursor when nothing matches', async () => {
    const answer = await query(listEvents({ type: 'nothing-of-this-type' }));

    expect(answer.statusCode).toBe(200);
    expect(bodyOf(answer)).toEqual({ events: [] });
  });

  it('answers 400 naming each bad parameter', async () => {
    const answer = await query(listEvents({ limit: '5000', from: 'yesterday', colour: 'red' }));

    expect(answer.statusCode).toBe(400);
    expect(bodyOf(answer).error).toBe('validation_error');
    expect(
      bodyOf(answer)
        .details.map((d: { path: string }) => d.path)
        .sort(),
    ).toEqual(['colour', 'from', 'limit']);
  });

  it('answers 400 for a cursor it never issued', async () => {
    const answer = await query(listEvents({ cursor: 'not-a-cursor' }));

    expect(answer.statusCode).toBe(400);
    expect(bodyOf(answer).details).toEqual([{ path: 'cursor', message: 'invalid cursor' }]);
  });

  it('answers GET /correlations/{id} with the events in order and no executions yet', async () => {
    const answer = await query(getCorrelation('corr-f'));

    expect(answer.statusCode).toBe(200);
    expect(bodyOf(answer)).toEqual({
      correlationId: 'corr-f',
      events: [
        anEvent('f-1', 1, { type: 'a', source: 'filter-test', correlationId: 'corr-f' }),
        anEvent('f-2', 2, { type: 'b', source: 'filter-test', correlationId: 'corr-f' }),
      ],
      executions: [],
      timeline: [
        { at: at(1), kind: 'event', id: 'f-1', type: 'a', source: 'filter-test' },
        { at: at(2), kind: 'event', id: 'f-2', type: 'b', source: 'filter-test' },
      ],
    });
  });

  it('answers 404 for a correlation with no events', async () => {
    const answer = await query(getCorrelation('nobody'));

    expect(answer.statusCode).toBe(404);
    expect(bodyOf(answer)).toMatchObject({ error: 'not_found', message: 'No events or executions with correlationId "nobody"' });
  });

  it('merges the executions a correlation started into its timeline, once an execution store is given', async () => {
    const execution: ExecutionRecord = {
      name: 'rule-1-abc',
      workflowId: 'onboarding_workflow',
      ruleId: 'rule-1',
      eventId: 'f-1',
      correlationId: 'corr-f',
      status: 'SUCCEEDED',
      startedAt: at(1),
    };
    const withExecutions = createQueryHandler({
      events: store,
      executions: { ...NO_EXECUTIONS, byCorrelation: async (id) => (id === 'corr-f' ? [execution] : []) },
      logger: silent,
    });

    const { timeline, executions } = bodyOf(await withExecutions(getCorrelation('corr-f')));

    expect(executions).toEqual([execution]);
    expect(timeline.map((t: { kind: string; id: string }) => `${t.kind}:${t.id}`)).toEqual(['event:f-1', 'execution:rule-1-abc', 'event:f-2']);
  });

  it('answers 404 for a route it does not serve', async () => {
    const answer = await query(apiGatewayEvent({ method: 'DELETE', resource: '/events' }));

    expect(answer.statusCode).toBe(404);
  });
});

describe('query configuration from the environment', () => {
  it('names the missing variable', () => {
    expect(() => queryDepsFromEnv({})).toThrow('Invalid environment: EVENTS_TABLE is not set');
  });
});
