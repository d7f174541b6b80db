import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventKey, timePartitionKey, timeSortKey } from '../../lambdas/aws/event-item.js';
import { DEFAULT_RETENTION_DAYS, EVENTS_TABLE } from '../../lambdas/layout/events-table.js';
import { createIngestHandler, type IngestHttpHandler } from '../../lambdas/aws/http/ingest-http.js';
import { ingestDepsFromEnv } from '../../lambdas/aws/wiring/ingest.js';
import { createQueryHandler, type QueryHttpHandler } from '../../lambdas/aws/http/query-http.js';
import { queryDepsFromEnv } from '../../lambdas/aws/wiring/query.js';
import { bodyOf, getEvent, listEvents, postEvent } from '../support/api-gateway.js';
import { awsClients, type AwsClients } from './support/aws-clients.js';
import { aRegistration, storedItem } from './support/fixtures.js';
import { createEngineResources, type EngineResources } from './support/resources.js';

describe('HTTP ingestion on AWS: API Gateway proxy event → ingest Lambda → Events table', () => {
  let aws: AwsClients;
  let engine: EngineResources;
  let ingest: IngestHttpHandler;
  let query: QueryHttpHandler;

  beforeAll(async () => {
    aws = awsClients();
    engine = await createEngineResources(aws);
    // The production wiring, from the environment the Ingestion construct gives each function.
    ingest = createIngestHandler(ingestDepsFromEnv(engine.env.ingestHttp));
    query = createQueryHandler(queryDepsFromEnv(engine.env.query));
  });

  afterAll(() => aws.destroy());

  it('stores a posted event as the table layout describes it: key, both index keys, TTL and the exact event', async () => {
    const event = aRegistration({ correlationId: 'acct-7' });
    const before = Math.floor(Date.now() / 1000);

    const answer = await ingest(postEvent(event));

    expect(answer.statusCode).toBe(202);
    expect(bodyOf(answer)).toEqual({ id: event.id });
    const item = await storedItem(aws.dynamodb, engine.eventsTable.tableName, event.id);
    expect(item).toMatchObject({
      [EVENTS_TABLE.partitionKey]: eventKey(event.id),
      [EVENTS_TABLE.byTime.partitionKey]: timePartitionKey(event.timestamp, event.id),
      [EVENTS_TABLE.byTime.sortKey]: timeSortKey(event.timestamp, event.id),
      [EVENTS_TABLE.byCorrelation.partitionKey]: 'acct-7',
    });
    const expiresAt = item?.[EVENTS_TABLE.ttlAttribute] as number;
    expect(expiresAt - before).toBeGreaterThanOrEqual(DEFAULT_RETENTION_DAYS * 86_400);
    expect(expiresAt - before).toBeLessThan(DEFAULT_RETENTION_DAYS * 86_400 + 60);
    expect(JSON.parse(item?.body as string)).toEqual(event);
  });

  it('finds the stored event through the byTime and byCorrelation indexes', async () => {
    const event = aRegistration({ correlationId: 'acct-indexes' });
    await ingest(postEvent(event));

    const [byTime, byCorrelation] = await Promise.all(
      [
        { index: EVENTS_TABLE.byTime, value: timePartitionKey(event.timestamp, event.id) },
        { index: EVENTS_TABLE.byCorrelation, value: 'acct-indexes' },
      ].map(({ index, value }) =>
        aws.dynamodb.send(
          new QueryCommand({
            TableName: engine.eventsTable.tableName,
            IndexName: index.indexName,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': index.partitionKey },
            ExpressionAttributeValues: { ':pk': { S: value } },
          }),
        ),
      ),
    );

    expect(byTime?.Items?.map((item) => unmarshall(item).id)).toContain(event.id);
    expect(byCorrelation?.Items?.map((item) => unmarshall(item).id)).toEqual([event.id]);
  });

  it('answers the same event posted again as a duplicate, and refuses the same id with other content (409)', async () => {
    const event = aRegistration();
    await ingest(postEvent(event));

    const again = await ingest(postEvent(event));
    const changed = await ingest(postEvent({ ...event, data: { ...event.data, user_type: 'basic' } }));

    expect([again.statusCode, bodyOf(again)]).toEqual([202, { id: event.id, duplicate: true }]);
    expect([changed.statusCode, bodyOf(changed).error]).toEqual([409, 'conflict']);
    expect(JSON.parse((await storedItem(aws.dynamodb, engine.eventsTable.tableName, event.id))?.body as string)).toEqual(event);
  });

  it('stores a batch entry by entry, reporting an invalid entry at its index and storing nothing for it', async () => {
    const first = aRegistration();
    const third = aRegistration();

    const answer = await ingest(postEvent({ events: [first, { type: '', source: 'web-app' }, third] }));

    expect(answer.statusCode).toBe(200);
    expect(bodyOf(answer)).toMatchObject({ failedCount: 1, results: [{ id: first.id }, { error: 'validation_error' }, { id: third.id }] });
    expect(await storedItem(aws.dynamodb, engine.eventsTable.tableName, first.id)).toBeDefined();
    expect(await storedItem(aws.dynamodb, engine.eventsTable.tableName, third.id)).toBeDefined();
  });

  it('reads a stored event back (GET /events/{id}) and lists it by time through the query Lambda (GET /events)', async () => {
    const event = aRegistration({ type: 'profile_updated', timestamp: '2026-03-05T10:00:00.000Z' });
    await ingest(postEvent(event));

    const one = await ingest(getEvent(event.id));
    const listed = await query(listEvents({ type: 'profile_updated', from: '2026-03-05T10:00:00Z', to: '2026-03-05T11:00:00Z' }));

    expect([one.statusCode, bodyOf(one)]).toEqual([200, event]);
    expect(listed.statusCode).toBe(200);
    expect(bodyOf(listed).events).toEqual([event]);
  });
});
