import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIngestHandler, type IngestHttpHandler } from '../../lambdas/aws/http/ingest-http.js';
import { createQueryHandler, type QueryHttpHandler } from '../../lambdas/aws/http/query-http.js';
import { createSensitiveQueryHandler, type SensitiveQueryHandler } from '../../lambdas/aws/http/sensitive-query-http.js';
import { EnvironmentError } from '../../lambdas/aws/wiring/env.js';
import { ingestDepsFromEnv } from '../../lambdas/aws/wiring/ingest.js';
import { queryDepsFromEnv } from '../../lambdas/aws/wiring/query.js';
import { sensitiveQueryDepsFromEnv } from '../../lambdas/aws/wiring/sensitive-query.js';
import { isSealed } from '../../lambdas/core/field-encryption.js';
import { apiGatewayEvent, bodyOf, getCorrelation, getEvent, listEvents, postEvent } from '../support/api-gateway.js';
import { awsClients, type AwsClients } from './support/aws-clients.js';
import { fieldKeyEnv } from './support/field-keys.js';
import { aRegistration } from './support/fixtures.js';
import { createEngineResources, type EngineResources } from './support/resources.js';

const ENCRYPT = JSON.stringify([{ eventType: 'user_registration', fields: ['data.email'] }]);
const sensitive = (resource: string, pathParameters: Record<string, string> = {}, query: Record<string, string> = {}) =>
  apiGatewayEvent({ method: 'GET', resource: `/sensitive${resource}`, pathParameters, query });

describe('reading sealed fields on AWS: GET /sensitive/events… opens them with KMS (moto), GET /events… does not', () => {
  let aws: AwsClients;
  let engine: EngineResources;
  let fieldEnv: Record<string, string>;
  let ingest: IngestHttpHandler;
  let query: QueryHttpHandler;
  let reveal: SensitiveQueryHandler;
  const event = aRegistration({ correlationId: 'acct-sealed', timestamp: new Date().toISOString() }, { email: 'ada.secret@example.com' });

  beforeAll(async () => {
    aws = awsClients();
    engine = await createEngineResources(aws);
    fieldEnv = await fieldKeyEnv(ENCRYPT, engine.env.query.EVENTS_TABLE as string);
    ingest = createIngestHandler(ingestDepsFromEnv({ ...engine.env.ingestHttp, ...fieldEnv }));
    query = createQueryHandler(queryDepsFromEnv(engine.env.query));
    reveal = createSensitiveQueryHandler(sensitiveQueryDepsFromEnv({ ...engine.env.query, ...fieldEnv }));
    expect((await ingest(postEvent(event))).statusCode).toBe(202);
  });

  afterAll(() => aws.destroy());

  it('answers the plain reads with the field sealed: GET /events, GET /events/{id}, GET /correlations/{id}', async () => {
    const listed = bodyOf(await query(listEvents({ correlationId: 'acct-sealed' }))).events;
    const one = bodyOf(await query(getEvent(event.id)));
    const timeline = bodyOf(await query(getCorrelation('acct-sealed'))).events;

    for (const read of [listed[0], one, timeline[0]]) {
      expect(read.id).toBe(event.id);
      expect(isSealed(read.data.email)).toBe(true);
      expect(read.data.userId).toBe('u-123');
    }
    expect(JSON.stringify([listed, one, timeline])).not.toContain('ada.secret');
  });

  it('answers the revealing reads with the field opened, the rest of the event as stored', async () => {
    const listed = bodyOf(await reveal(sensitive('/events', {}, { correlationId: 'acct-sealed' }))).events;
    const one = bodyOf(await reveal(sensitive('/events/{id}', { id: event.id })));
    const timeline = bodyOf(await reveal(sensitive('/correlations/{correlationId}', { correlationId: 'acct-sealed' }))).events;

    expect(listed).toEqual([expect.objectContaining({ id: event.id, data: event.data })]);
    expect(one).toMatchObject({ id: event.id, type: 'user_registration', data: event.data });
    expect(timeline).toEqual([expect.objectContaining({ id: event.id, data: event.data })]);
  });

  it('answers 404 for an unknown event and for a route it does not serve (the plain ones included)', async () => {
    const missing = await reveal(sensitive('/events/{id}', { id: 'nobody' }));
    const plain = await reveal(listEvents());

    expect(missing.statusCode).toBe(404);
    expect(plain.statusCode).toBe(404);
  });

  it('refuses to start without the encrypt entries, naming the variable: a reveal that cannot open would answer sealed as if that were all', () => {
    expect(() => sensitiveQueryDepsFromEnv(engine.env.query)).toThrow(EnvironmentError);
    expect(() => sensitiveQueryDepsFromEnv(engine.env.query)).toThrow(/FIELD_ENCRYPTION is not set/);
  });
});
