import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbEventStore } from '../../lambdas/aws/dynamodb-event-store.js';
import { compileAccessPolicy } from '../../lambdas/core/access.js';
import { ulid, type EventStore } from '../../lambdas/core/index.js';
import { createIngestHandler, type IngestHttpHandler } from '../../lambdas/aws/http/ingest-http.js';
import { ingestDepsFromEnv } from '../../lambdas/aws/wiring/ingest.js';
import { bodyOf, postEvent, withCaller } from '../support/api-gateway.js';
import { useDynalite } from '../support/dynalite.js';

const NOW = Date.parse('2026-05-06T07:08:09.000Z');
const SHOP_SESSION = 'arn:aws:sts::123456789012:assumed-role/Shop/i-0abc';

const anEvent = (id: string, source: string) => ({ id, type: 'order.placed', source, data: { orderId: id } });

/** A logger and a metrics sink that remember what they were told. */
function recorders() {
  const warnings: Array<{ message: string; fields: Record<string, unknown> }> = [];
  const counts: Record<string, number> = {};
  return {
    warnings,
    counts,
    logger: { info: () => undefined, error: () => undefined, warn: (message: string, fields: Record<string, unknown>) => void warnings.push({ message, fields }) },
    metrics: {
      addMetric: (name: string, _unit: unknown, value: number) => void (counts[name] = (counts[name] ?? 0) + value),
      singleMetric: () => {
        throw new Error('no per-workflow metric expected');
      },
    },
  };
}

describe('ingest HTTP handler with an access policy (store on dynalite)', () => {
  const dynalite = useDynalite();
  let store: EventStore;
  let ingest: IngestHttpHandler;
  let seen: ReturnType<typeof recorders>;
  let random = 0;

  beforeAll(async () => {
    store = new DynamoDbEventStore({ client: dynalite.client(), tableName: await dynalite.eventsTable(), clock: { now: () => NOW } });
  });
  beforeEach(() => {
    seen = recorders();
    ingest = createIngestHandler({
      store,
      envelope: { clock: { now: () => NOW }, ids: { newId: (t) => ulid(t, new Uint8Array(10).fill(++random)) } },
      access: compileAccessPolicy({
        callers: [
          { principal: 'arn:aws:iam::123456789012:role/Shop', sources: ['shop.*'] },
          { principal: 'key-crm-01', sources: ['crm'] },
        ],
      }),
      logger: seen.logger,
      metrics: seen.metrics as never,
    });
  });

  it('refuses the entries whose source the caller may not publish with 403 forbidden, and stores the others', async () => {
    const request = withCaller(postEvent([anEvent('acc-1', 'shop.orders'), anEvent('acc-2', 'crm'), anEvent('acc-3', 'shop.web')]), { userArn: SHOP_SESSION });

    const answer = await ingest(request);

    expect(answer.statusCode).toBe(200);
    expect(bodyOf(answer)).toEqual({
      failedCount: 1,
      results: [
        { id: 'acc-1' },
        {
          error: 'forbidden',
          message: `${SHOP_SESSION} may not publish events with source "crm"`,
          details: [{ path: 'source', message: 'not a source this caller may publish' }],
        },
        { id: 'acc-3' },
      ],
    });
    expect(await store.get('acc-1')).toBeDefined();
    expect(await store.get('acc-2')).toBeUndefined();
    expect(await store.get('acc-3')).toBeDefined();
  });

  it('logs each refusal as an audit entry with the caller, the source and where the request came from', async () => {
    await ingest(withCaller(postEvent([anEvent('acc-4', 'crm')]), { userArn: SHOP_SESSION }));

    expect(seen.warnings).toEqual([
      {
        message: 'publish refused',
        fields: { audit: 'publish-refused', caller: [SHOP_SESSION], sourceIp: '127.0.0.1', source: 'crm', eventId: 'acc-4', type: 'order.placed' },
      },
    ]);
    expect(seen.counts).toMatchObject({ EventsRejected: 1, EventsForbidden: 1 });
  });

  it('answers a single event the caller may not publish with 403 forbidden, storing nothing', async () => {
    const answer = await ingest(withCaller(postEvent(anEvent('acc-5', 'shop.orders')), { apiKeyId: 'key-crm-01' }));

    expect(answer.statusCode).toBe(403);
    expect(bodyOf(answer)).toMatchObject({ error: 'forbidden', details: [{ path: 'source' }] });
    expect(await store.get('acc-5')).toBeUndefined();
    expect(seen.counts).toMatchObject({ EventsRejected: 1, EventsForbidden: 1, RequestsRefused: 1 });
  });

  it('identifies an API key caller by its key id', async () => {
    const answer = await ingest(withCaller(postEvent(anEvent('acc-6', 'crm')), { apiKeyId: 'key-crm-01' }));

    expect(answer.statusCode).toBe(202);
    expect(seen.counts).toMatchObject({ EventsIngested: 1 });
  });

  it('refuses every source to a caller the policy does not name', async () => {
    const answer = await ingest(withCaller(postEvent(anEvent('acc-7', 'shop.orders')), { userArn: 'arn:aws:iam::123456789012:user/mallory' }));

    expect(answer.statusCode).toBe(403);
  });
});

describe('ingestDepsFromEnv and ACCESS_POLICY', () => {
  it('builds the policy from the JSON the construct sets, and refuses a malformed one naming the variable', () => {
    const env = { EVENTS_TABLE: 'events', ACCESS_POLICY: JSON.stringify({ callers: [{ principal: 'key-1', sources: ['a'] }] }) };
    expect(ingestDepsFromEnv(env).access?.sourcesOf({ principals: ['key-1'] })).toEqual(['a']);
    expect(ingestDepsFromEnv({ EVENTS_TABLE: 'events' }).access).toBeUndefined();
    expect(() => ingestDepsFromEnv({ ...env, ACCESS_POLICY: '{"callers":[{"principal":"k"}]}' })).toThrow(/ACCESS_POLICY must be the JSON of an access policy/);
  });
});
