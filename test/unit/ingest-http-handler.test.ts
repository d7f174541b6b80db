import { Logger } from '@aws-lambda-powertools/logger';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbEventStore } from '../../lambdas/aws/dynamodb-event-store.js';
import { MAX_EVENT_BYTES, ulid, type EventStore } from '../../lambdas/core/index.js';
import { createIngestHandler, type IngestHttpHandler } from '../../lambdas/aws/http/ingest-http.js';
import { ingestDepsFromEnv } from '../../lambdas/aws/wiring/ingest.js';
import { apiGatewayEvent, aRegistration, bodyOf, getEvent, postEvent } from '../support/api-gateway.js';
import { useDynalite } from '../support/dynalite.js';

const NOW = Date.parse('2026-03-04T05:06:07.000Z');

describe('ingest HTTP handler (store on dynalite)', () => {
  const dynalite = useDynalite();
  let store: EventStore;
  let ingest: IngestHttpHandler;
  let random = 0;

  beforeAll(async () => {
    store = new DynamoDbEventStore({ client: dynalite.client(), tableName: await dynalite.eventsTable(), clock: { now: () => NOW } });
    ingest = createIngestHandler({
      store,
      envelope: { clock: { now: () => NOW }, ids: { newId: (t) => ulid(t, new Uint8Array(10).fill(++random)) } },
      logger: new Logger({ logLevel: 'SILENT' }),
    });
  });

  it('answers 202 with the assigned id and stores the event', async () => {
    const answer = await ingest(postEvent(aRegistration()));

    expect(answer.statusCode).toBe(202);
    expect(answer.headers?.['content-type']).toMatch(/^application\/json/);
    const { id } = bodyOf(answer);
    expect(bodyOf(answer)).toEqual({ id: expect.stringMatching(/^[0-9A-Z]{26}$/) });
    expect(await store.get(id as string)).toEqual({ ...aRegistration(), id, timestamp: '2026-03-04T05:06:07.000Z' });
  });

  it('keeps the id and timestamp the client gave', async () => {
    const answer = await ingest(postEvent(aRegistration({ id: 'client-id-1', timestamp: '2026-01-02T03:04:05+01:00' })));

    expect(bodyOf(answer)).toEqual({ id: 'client-id-1' });
    expect((await store.get('client-id-1'))?.timestamp).toBe('2026-01-02T02:04:05.000Z');
  });

  it('answers a second post of the same event with 202 and duplicate: true', async () => {
    const event = aRegistration({ id: 'dup-1' });
    await ingest(postEvent(event));

    const answer = await ingest(postEvent(event));

    expect(answer.statusCode).toBe(202);
    expect(bodyOf(answer)).toEqual({ id: 'dup-1', duplicate: true });
  });

  it('answers 409 when the id is taken by other content', async () => {
    await ingest(postEvent(aRegistration({ id: 'taken-1' })));

    const answer = await ingest(postEvent(aRegistration({ id: 'taken-1', data: { userId: 'u-2' } })));

    expect(answer.statusCode).toBe(409);
    expect(bodyOf(answer)).toMatchObject({ error: 'conflict', details: [] });
  });

  it('answers 400 for a body that is not JSON, saying why', async () => {
    const answer = await ingest(postEvent('{"type": "user_registration",'));

    expect(answer.statusCode).toBe(400);
    expect(bodyOf(answer)).toMatchObject({ error: 'validation_error', message: expect.stringMatching(/^The body is not valid JSON: /) });
    expect(bodyOf(answer).details).toEqual([{ path: '(body)', message: expect.any(String) }]);
  });

  it('answers 400 for an empty body', async () => {
    const answer = await ingest(apiGatewayEvent({ method: 'POST', resource: '/events' }));

    expect(answer.statusCode).toBe(400);
    expect(bodyOf(answer).details).toEqual([{ path: '(body)', message: 'empty' }]);
  });

  it('answers 400 naming the path `type` when the type is missing', async () => {
    const { type: _omitted, ...withoutType } = aRegistration();

    const answer = await ingest(postEvent(withoutType));

    expect(answer.statusCode).toBe(400);
    expect(bodyOf(answer)).toEqual({
      error: 'validation_error',
      message: 'Invalid event: type: required',
      details: [{ path: 'type', message: 'required' }],
    });
  });

  it('answers 413 for an event over 256 KiB and stores nothing', async () => {
    const answer = await ingest(postEvent(aRegistration({ id: 'too-big', data: { blob: 'x'.repeat(MAX_EVENT_BYTES) } })));

    expect(answer.statusCode).toBe(413);
    expect(bodyOf(answer)).toMatchObject({ error: 'payload_too_large' });
    expect(await store.get('too-big')).toBeUndefined();
  });

  it('decodes a base64-encoded body', async () => {
    const request = postEvent(aRegistration({ id: 'b64-1' }));
    const answer = await ingest({ ...request, body: Buffer.from(request.body as string).toString('base64'), isBase64Encoded: true });

    expect(bodyOf(answer)).toEqual({ id: 'b64-1' });
  });

  it('answers GET /events/{id} with the stored event, and 404 for an unknown id', async () => {
    await ingest(postEvent(aRegistration({ id: 'read-me:1', correlationId: 'acct-1' })));

    const found = await ingest(getEvent('read-me:1'));
    const missing = await ingest(getEvent('nobody'));

    expect(found.statusCode).toBe(200);
    expect(bodyOf(found)).toMatchObject({ id: 'read-me:1', correlationId: 'acct-1', type: 'user_registration' });
    expect(missing.statusCode).toBe(404);
    expect(bodyOf(missing)).toMatchObject({ error: 'not_found', message: 'No event with id "nobody"' });
  });

  it('answers 500 without internals when the store fails unexpectedly', async () => {
    const failing = createIngestHandler({
      store: { put: () => Promise.reject(new Error('socket hang up at 10.0.0.1')), get: () => Promise.resolve(undefined) },
      envelope: { clock: { now: () => NOW }, ids: { newId: () => 'x-1' } },
      logger: new Logger({ logLevel: 'SILENT' }),
    });

    const answer = await failing(postEvent(aRegistration()));

    expect(answer.statusCode).toBe(500);
    expect(answer.body).not.toContain('10.0.0.1');
    expect(bodyOf(answer)).toMatchObject({ error: 'internal_error', details: [] });
  });
});

describe('ingest configuration from the environment', () => {
  it('names the missing variable', () => {
    expect(() => ingestDepsFromEnv({})).toThrow('Invalid environment: EVENTS_TABLE is not set');
  });

  it('refuses a retention that is not a positive number of days', () => {
    expect(() => ingestDepsFromEnv({ EVENTS_TABLE: 'Events', RETENTION_DAYS: 'forever' })).toThrow(/RETENTION_DAYS must be a number of days/);
  });
});
