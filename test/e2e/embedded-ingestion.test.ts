import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { describe, expect, it } from 'vitest';
import { registration, useEngine } from '../support/engine-process.js';

const at = (minute: number) => new Date(Date.UTC(2026, 10, 1, 10, minute)).toISOString();

describe('edwe dev ingestion and queries', () => {
  const engine = useEngine();

  it('stores every valid entry of a 500-event batch and reports the 3 bad ones at their index', async () => {
    const entries: unknown[] = Array.from({ length: 500 }, (_, i) => ({ id: `batch-${i}`, type: 'page.viewed', source: 'batch-test', timestamp: at(0), data: { i } }));
    entries[7] = { id: 'batch-7', source: 'batch-test', data: {} };
    entries[250] = { id: 'batch-250', type: 'page.viewed', source: 'batch-test', timestamp: 'soon' };
    entries[499] = 'not an object';

    const answer = await engine.post('/events', { events: entries });

    expect(answer.status).toBe(200);
    expect(answer.body.failedCount).toBe(3);
    expect(answer.body.results).toHaveLength(500);
    expect(answer.body.results[0]).toEqual({ id: 'batch-0' });
    expect(answer.body.results[7]).toMatchObject({ error: 'validation_error', details: [{ path: 'type', message: 'required' }] });
    expect(answer.body.results[250]).toMatchObject({ error: 'validation_error', details: [{ path: 'timestamp' }] });
    expect(answer.body.results[499]).toMatchObject({ error: 'validation_error' });
    const stored = await engine.get('/events?source=batch-test&limit=1000');
    expect(stored.body.events).toHaveLength(497);
    expect(stored.body.cursor).toBeUndefined();
  });

  it('refuses a batch over 500 entries as a whole, storing nothing', async () => {
    const entries = Array.from({ length: 501 }, (_, i) => ({ id: `over-${i}`, type: 't', source: 'over-test' }));

    const answer = await engine.post('/events', entries);

    expect(answer.status).toBe(400);
    expect(answer.body.message).toMatch(/limit is 500/);
    expect((await engine.get('/events?source=over-test')).body.events).toEqual([]);
  });

  it('answers a per-entry conflict for a known id with other content, leaving the stored event untouched', async () => {
    await engine.post('/events', { id: 'conflict-1', type: 't', source: 'conflict-test', data: { v: 1 } });

    const answer = await engine.post('/events', [{ id: 'conflict-1', type: 't', source: 'conflict-test', data: { v: 2 } }]);

    expect(answer.body).toEqual({ failedCount: 1, results: [{ error: 'conflict', message: expect.stringMatching(/conflict-1.*different content/), details: [] }] });
    expect((await engine.get('/events/conflict-1')).body.data).toEqual({ v: 1 });
  });

  it('pages GET /events in (timestamp, id) order with a cursor, losing and repeating nothing', async () => {
    const events = Array.from({ length: 25 }, (_, i) => ({ id: `page-${String(i).padStart(2, '0')}`, type: 'order.placed', source: 'paging-test', timestamp: at(i % 5) }));
    await engine.post('/events', events);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await engine.get(`/events?source=paging-test&limit=7${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.body.events.map((e: { id: string }) => e.id));
      cursor = page.body.cursor;
    } while (cursor);

    const expected = [...events].sort((a, b) => (a.timestamp + a.id < b.timestamp + b.id ? -1 : 1)).map((e) => e.id);
    expect(seen).toEqual(expected);
  });

  it('filters GET /events by type, time window and correlationId', async () => {
    await engine.post('/events', [
      { id: 'f-1', type: 'a', source: 'filter-test', timestamp: at(1), correlationId: 'corr-f' },
      { id: 'f-2', type: 'b', source: 'filter-test', timestamp: at(2), correlationId: 'corr-f' },
      { id: 'f-3', type: 'a', source: 'filter-test', timestamp: at(3) },
    ]);

    const ids = async (q: string) => (await engine.get(`/events?source=filter-test&${q}`)).body.events.map((e: { id: string }) => e.id);

    expect(await ids('type=a')).toEqual(['f-1', 'f-3']);
    expect(await ids(`from=${at(2)}&to=${at(3)}`)).toEqual(['f-2']);
    expect(await ids('correlationId=corr-f')).toEqual(['f-1', 'f-2']);
  });

  it('answers 400 naming the parameter for a bad query', async () => {
    const answer = await engine.get('/events?limit=5000&from=yesterday');

    expect(answer.status).toBe(400);
    expect(answer.body.details.map((d: { path: string }) => d.path).sort()).toEqual(['from', 'limit']);
  });

  it('accepts a CloudEvents 1.0 structured event and maps it to the envelope', async () => {
    const cloudEvent = {
      specversion: '1.0',
      id: 'ce-1',
      source: '/billing',
      type: 'invoice.paid',
      time: '2026-11-01T10:00:00Z',
      correlationid: 'inv-9',
      data: { amount: 12 },
    };

    const answer = await engine.post('/events', cloudEvent, { 'content-type': 'application/cloudevents+json' });

    expect(answer).toEqual({ status: 202, body: { id: 'ce-1' } });
    expect((await engine.get('/events/ce-1')).body).toEqual({
      id: 'ce-1',
      type: 'invoice.paid',
      source: '/billing',
      timestamp: '2026-11-01T10:00:00.000Z',
      data: { amount: 12 },
      correlationId: 'inv-9',
    });
  });

  it("takes the AWS SDK EventBridgeClient's PutEvents, stores the events and routes them", async () => {
    const client = new EventBridgeClient({ endpoint: engine.url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });

    const answer = await client.send(
      new PutEventsCommand({
        Entries: [
          { Source: 'web-app', DetailType: 'user_registration', Detail: JSON.stringify({ userId: 'u-sdk', email: 'sdk@example.com', user_type: 'premium' }) },
          { Source: 'web-app', DetailType: 'user_registration', Detail: '{not json' },
        ],
      }),
    );

    expect(answer.FailedEntryCount).toBe(1);
    expect(answer.Entries?.[1]).toMatchObject({ ErrorCode: 'InvalidArgument', ErrorMessage: expect.stringMatching(/Detail is not valid JSON/) });
    const eventId = answer.Entries?.[0]?.EventId as string;
    const { executions } = await engine.waitFor(`/executions?eventId=${eventId}`, (b) => b.executions?.[0]?.status === 'SUCCEEDED');
    expect(executions[0].output.userId).toBe('u-sdk');
  });

  it('shows a correlation as a timeline of its events and the executions they started', async () => {
    const posted = await engine.post('/events', registration({ correlationId: 'signup-42', timestamp: at(30) }, { userId: 'u-42' }));
    await engine.waitFor(`/executions?eventId=${posted.body.id}`, (b) => b.executions?.[0]?.status === 'SUCCEEDED');

    const { body } = await engine.get('/correlations/signup-42');

    const [execution] = body.executions;
    expect(body.executions).toMatchObject([{ workflowId: 'onboarding_workflow', correlationId: 'signup-42', status: 'SUCCEEDED' }]);
    expect(body.events.map((e: { id: string }) => e.id)).toEqual([posted.body.id, `${execution.name}.started`, `${execution.name}.succeeded`]);
    expect(body.timeline.map((t: { kind: string; type?: string }) => t.type ?? t.kind)).toEqual(['user_registration', 'execution', 'workflow.started', 'workflow.succeeded']);
    expect((await engine.get('/correlations/nobody')).status).toBe(404);
  });
});

describe('edwe dev GET /executions', () => {
  const engine = useEngine();

  it("lists a correlation's executions by workflow and status, paged with a cursor", async () => {
    for (let i = 0; i < 5; i++) await engine.post('/events', registration({ id: `ex-${i}`, correlationId: 'ex-corr' }, { userId: `u-ex-${i}` }));
    await engine.waitFor('/executions?correlationId=ex-corr&status=SUCCEEDED', (b) => b.executions?.length === 5);

    const first = await engine.get('/executions?correlationId=ex-corr&workflowId=onboarding_workflow&limit=3');
    const second = await engine.get(`/executions?correlationId=ex-corr&workflowId=onboarding_workflow&limit=3&cursor=${first.body.cursor}`);

    expect(first.body.executions).toHaveLength(3);
    expect(second.body.executions).toHaveLength(2);
    expect(second.body.cursor).toBeUndefined();
    const events = [...first.body.executions, ...second.body.executions].map((e: { eventId: string }) => e.eventId).sort();
    expect(events).toEqual(['ex-0', 'ex-1', 'ex-2', 'ex-3', 'ex-4']);
    expect((await engine.get('/executions?correlationId=ex-corr&status=FAILED')).body.executions).toEqual([]);
  });

  it('answers 400 naming the parameter when a limit is above 1,000 or a status is unknown', async () => {
    expect((await engine.get('/executions?limit=1001')).body.details).toEqual([{ path: 'limit', message: 'must be an integer from 1 to 1000' }]);
    expect((await engine.get('/executions?eventId=x&status=DONE')).body.details[0].path).toBe('status');
  });
});
