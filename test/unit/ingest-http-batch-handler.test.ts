import { Logger } from '@aws-lambda-powertools/logger';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbEventStore } from '../../lambdas/aws/dynamodb-event-store.js';
import { RetryableError, ulid, type EngineEvent, type EventStore } from '../../lambdas/core/index.js';
import { createIngestHandler, type IngestHttpHandler } from '../../lambdas/aws/http/ingest-http.js';
import { apiGatewayEvent, aRegistration, bodyOf, postEvent } from '../support/api-gateway.js';
import { useDynalite } from '../support/dynalite.js';

const NOW = Date.parse('2026-03-04T05:06:07.000Z');

describe('ingest HTTP handler: batches and CloudEvents (store on dynalite)', () => {
  const dynalite = useDynalite();
  let store: EventStore;
  let ingest: IngestHttpHandler;

  beforeAll(async () => {
    store = new DynamoDbEventStore({ client: dynalite.client(), tableName: await dynalite.eventsTable(), clock: { now: () => NOW } });
    let n = 0;
    ingest = createIngestHandler({
      store,
      envelope: { clock: { now: () => NOW }, ids: { newId: (t) => ulid(t, new Uint8Array(10).fill(200 + (++n % 50))) } },
      logger: new Logger({ logLevel: 'SILENT' }),
    });
  });

  /** `count` valid entries `<prefix>-<i>`. */
  const entries = (prefix: string, count: number): Array<Record<string, unknown>> =>
    Array.from({ length: count }, (_, i) => aRegistration({ id: `${prefix}-${i}`, timestamp: '2026-03-04T05:00:00Z', data: { i } }));

  it('stores every valid entry of a 500-event batch and reports the 3 bad ones at their index, in entry order', async () => {
    const batch: unknown[] = entries('batch', 500);
    batch[7] = { id: 'batch-7', source: 'web-signup', data: {} };
    batch[250] = aRegistration({ id: 'batch-250', timestamp: 'soon' });
    batch[499] = 'not an object';

    const answer = await ingest(postEvent({ events: batch }));

    expect(answer.statusCode).toBe(200);
    const body = bodyOf(answer) as { failedCount: number; results: Array<Record<string, unknown>> };
    expect(body.failedCount).toBe(3);
    expect(body.results).toHaveLength(500);
    expect(body.results.slice(0, 7)).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => ({ id: `batch-${i}` })));
    expect(body.results[7]).toEqual({ error: 'validation_error', message: 'Invalid event: type: required', details: [{ path: 'type', message: 'required' }] });
    expect(body.results[250]).toMatchObject({ error: 'validation_error', details: [{ path: 'timestamp' }] });
    expect(body.results[499]).toMatchObject({ error: 'validation_error' });
    expect(body.results[498]).toEqual({ id: 'batch-498' });
    expect(await store.get('batch-498')).toMatchObject({ id: 'batch-498', data: { i: 498 } });
    expect(await store.get('batch-7')).toBeUndefined();
    expect(await store.get('batch-250')).toBeUndefined();
  });

  it('accepts a plain array, answering duplicate and conflict per entry', async () => {
    await ingest(postEvent(aRegistration({ id: 'arr-known', data: { v: 1 } })));

    const answer = await ingest(
      postEvent([aRegistration({ id: 'arr-new' }), aRegistration({ id: 'arr-known', data: { v: 1 } }), aRegistration({ id: 'arr-known', data: { v: 2 } })]),
    );

    expect(answer.statusCode).toBe(200);
    expect(bodyOf(answer)).toEqual({
      failedCount: 1,
      results: [
        { id: 'arr-new' },
        { id: 'arr-known', duplicate: true },
        { error: 'conflict', message: 'An event with id "arr-known" is already stored with different content', details: [] },
      ],
    });
    expect((await store.get('arr-known'))?.data).toEqual({ v: 1 });
  });

  it('refuses more than 500 entries, and an empty batch, as a whole, storing nothing', async () => {
    const tooMany = await ingest(postEvent(entries('over', 501)));
    const empty = await ingest(postEvent({ events: [] }));

    expect(tooMany.statusCode).toBe(400);
    expect(bodyOf(tooMany).message).toBe('The batch holds 501 events; the limit is 500');
    expect(await store.get('over-0')).toBeUndefined();
    expect(empty.statusCode).toBe(400);
    expect(bodyOf(empty).details).toEqual([{ path: 'events', message: 'must hold at least one event' }]);
  });

  it('answers 413 for a body over 6 MB', async () => {
    const answer = await ingest(postEvent(`[${' '.repeat(6 * 1024 * 1024)}]`));

    expect(answer.statusCode).toBe(413);
    expect(bodyOf(answer)).toMatchObject({ error: 'payload_too_large' });
  });

  it('maps a CloudEvent sent as application/cloudevents+json to the envelope', async () => {
    const cloudEvent = {
      specversion: '1.0',
      id: 'ce-1',
      source: '/billing',
      type: 'invoice.paid',
      time: '2026-11-01T10:00:00Z',
      correlationid: 'inv-9',
      data: { amount: 12 },
    };

    const answer = await ingest(postEvent(cloudEvent, { 'content-type': 'application/cloudevents+json' }));

    expect(answer.statusCode).toBe(202);
    expect(bodyOf(answer)).toEqual({ id: 'ce-1' });
    expect(await store.get('ce-1')).toEqual({
      id: 'ce-1',
      type: 'invoice.paid',
      source: '/billing',
      timestamp: '2026-11-01T10:00:00.000Z',
      data: { amount: 12 },
      correlationId: 'inv-9',
    });
  });

  it('maps each entry of an application/cloudevents-batch+json body, reporting a bad specversion at its index', async () => {
    const batch = [
      { specversion: '1.0', id: 'ce-b1', source: '/shop', type: 'order.placed', data: { n: 1 } },
      { specversion: '0.3', id: 'ce-b2', source: '/shop', type: 'order.placed' },
      aRegistration({ id: 'ce-b3' }),
    ];

    const answer = await ingest(postEvent(batch, { 'content-type': 'application/cloudevents-batch+json' }));

    expect(bodyOf(answer)).toEqual({
      failedCount: 1,
      results: [
        { id: 'ce-b1' },
        { error: 'validation_error', message: 'Unsupported CloudEvents specversion "0.3"; expected "1.0"', details: [{ path: 'specversion', message: 'must be "1.0"' }] },
        { id: 'ce-b3' },
      ],
    });
    expect(await store.get('ce-b1')).toMatchObject({ type: 'order.placed', source: '/shop', data: { n: 1 } });
  });

  it('ingests a POST on a configured webhook path like POST /events', async () => {
    const answer = await ingest(apiGatewayEvent({ method: 'POST', resource: '/webhooks/github', body: aRegistration({ id: 'hook-1' }) }));

    expect(answer.statusCode).toBe(202);
    expect(await store.get('hook-1')).toMatchObject({ id: 'hook-1' });
  });

  it('keeps at most the configured number of puts in flight, and the answers in entry order', async () => {
    let inFlight = 0;
    let peak = 0;
    const slow: Pick<EventStore, 'put' | 'get'> = {
      put: async (event: EngineEvent) => {
        peak = Math.max(peak, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, Number(event.data.delay)));
        inFlight--;
        return { id: event.id, duplicate: false };
      },
      get: async () => undefined,
    };
    const bounded = createIngestHandler({
      store: slow,
      envelope: { clock: { now: () => NOW }, ids: { newId: () => 'x' } },
      batchConcurrency: 4,
      logger: new Logger({ logLevel: 'SILENT' }),
    });

    const answer = await bounded(postEvent(Array.from({ length: 12 }, (_, i) => aRegistration({ id: `slow-${i}`, data: { delay: (12 - i) % 5 } }))));

    expect(peak).toBe(4);
    expect((bodyOf(answer).results as Array<{ id: string }>).map((r) => r.id)).toEqual(Array.from({ length: 12 }, (_, i) => `slow-${i}`));
  });

  it('answers 503 for the whole batch when the store is unavailable, so the client retries it', async () => {
    const outage = createIngestHandler({
      store: { put: () => Promise.reject(new RetryableError('throttled')), get: async () => undefined },
      envelope: { clock: { now: () => NOW }, ids: { newId: () => 'x' } },
      logger: new Logger({ logLevel: 'SILENT' }),
    });

    const answer = await outage(postEvent(entries('outage', 3)));

    expect(answer.statusCode).toBe(503);
    expect(bodyOf(answer)).toEqual({ error: 'unavailable', message: 'throttled', details: [] });
  });
});
