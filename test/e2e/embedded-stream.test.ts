/**
 * `GET /events/stream` over real HTTP against an engine in this process: events as they are stored (lifecycle
 * events included) filtered by a pattern, a reconnect with `Last-Event-ID` that loses nothing, heartbeats, and a
 * client that stops reading dropped while another keeps up.
 */
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedEngine } from '../../lambdas/embedded/embedded-engine.js';
import { createHttpServer } from '../../lambdas/embedded/http-server.js';
import { createLogger } from '../../lambdas/embedded/logger.js';
import { loadProject } from '../../lambdas/project/load-project.js';
import { registration } from '../support/engine-process.js';
import { openEventStream, type SseClient } from '../support/sse.js';

describe('GET /events/stream (embedded)', () => {
  let engine: EmbeddedEngine;
  let server: Server;
  let base: string;
  const logs: Array<Record<string, unknown>> = [];
  const clients: SseClient[] = [];
  const open = async (path: string, headers: Record<string, string> = {}) => {
    const client = await openEventStream(`${base}${path}`, headers);
    clients.push(client);
    return client;
  };
  const post = async (body: unknown) => {
    const response = await fetch(`${base}/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(response.status).toBe(202);
  };
  const types = (client: SseClient) => client.messages.map((m) => (JSON.parse(m.data) as { type: string }).type);
  const ids = (client: SseClient) => client.messages.map((m) => (JSON.parse(m.data) as { id: string }).id);
  const pattern = (p: unknown) => `pattern=${encodeURIComponent(JSON.stringify(p))}`;

  beforeAll(async () => {
    const logger = createLogger({ level: 'warn', write: (line) => logs.push(JSON.parse(line) as Record<string, unknown>) });
    engine = await EmbeddedEngine.open({ project: loadProject(), dbPath: ':memory:', logger });
    server = createHttpServer(engine, logger, { stream: { heartbeatMs: 100, highWaterBytes: 16 * 1024, stallMs: 300 } });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const client of clients) client.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await engine.close();
  });

  it('sends each event stored after it connected that matches the pattern, lifecycle events included, with its id', async () => {
    const client = await open(`/events/stream?${pattern({ correlationId: ['live-1'] })}`);
    await post({ id: 'before-nothing', type: 'other', source: 'test', correlationId: 'elsewhere' });

    await post(registration({ id: 'live-1', correlationId: 'live-1' }));
    await client.until((messages) => messages.length >= 3);

    expect(client.status).toBe(200);
    expect(types(client)).toEqual(['user_registration', 'workflow.started', 'workflow.succeeded']);
    expect(JSON.parse(client.messages[0]?.data as string)).toEqual(await engine.queries.event('live-1'));
    expect(client.messages.every((m) => /^\d+$/.test(m.id ?? ''))).toBe(true);
  });

  it('resumes after a disconnect from Last-Event-ID, losing and repeating nothing', async () => {
    const only = pattern({ source: ['resume-test'] });
    const first = await open(`/events/stream?${only}`);
    await post({ id: 'r-1', type: 't', source: 'resume-test' });
    await post({ id: 'r-2', type: 't', source: 'resume-test' });
    await first.until((messages) => messages.length === 2);
    first.close();
    const lastSeen = first.messages[1]?.id as string;

    // Stored while no one listens; a timestamp in the past does not hide an event from the resumed stream.
    await post({ id: 'r-3', type: 't', source: 'resume-test', timestamp: '2020-01-01T00:00:00.000Z' });
    await post({ id: 'r-4', type: 't', source: 'resume-test' });
    const resumed = await open(`/events/stream?${only}`, { 'last-event-id': lastSeen });
    const resumedByQuery = await open(`/events/stream?${only}&lastEventId=${lastSeen}`);
    await post({ id: 'r-5', type: 't', source: 'resume-test' });
    await resumed.until((messages) => messages.length === 3);
    await resumedByQuery.until((messages) => messages.length === 3);

    expect(ids(first)).toEqual(['r-1', 'r-2']);
    expect(ids(resumed)).toEqual(['r-3', 'r-4', 'r-5']);
    expect(ids(resumedByQuery)).toEqual(['r-3', 'r-4', 'r-5']);
  });

  it('sends a heartbeat comment while nothing happens', async () => {
    const client = await open(`/events/stream?${pattern({ source: ['never'] })}`);

    await client.until((_, comments) => comments.includes('heartbeat'));

    expect(client.messages).toEqual([]);
  });

  it('drops a client that stops reading, while one that reads gets every event', async () => {
    const keeping = await open(`/events/stream?${pattern({ source: ['bulk'] })}`);
    const stuck = connect((server.address() as AddressInfo).port, '127.0.0.1');
    stuck.write(`GET /events/stream?${pattern({ source: ['bulk'] })} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
    await new Promise((resolve) => stuck.once('data', resolve));
    stuck.pause();
    const dropped = () => logs.some((line) => line.message === 'event stream client dropped: it did not take what was sent');

    // Large events fill the kernel's buffers, then the server's; stop as soon as the stuck client is dropped.
    let sent = 0;
    const blob = 'x'.repeat(60_000);
    while (!dropped() && sent < 2_000) {
      await engine.ingestBatch(Array.from({ length: 20 }, () => ({ type: 'bulk.item', source: 'bulk', data: { n: sent++, blob } })));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    for (let i = 0; i < 50 && !dropped(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    await keeping.until((messages) => messages.length === sent, 20_000);
    stuck.destroy();

    expect(dropped()).toBe(true);
    expect(keeping.messages.map((m) => (JSON.parse(m.data) as { data: { n: number } }).data.n)).toEqual(Array.from({ length: sent }, (_, i) => i));
  });

  it('answers 400 naming a pattern that is not one, a Last-Event-ID it never sent, and an unknown parameter', async () => {
    const bad = async (path: string, headers: Record<string, string> = {}) => {
      const response = await fetch(`${base}${path}`, { headers });
      return { status: response.status, body: (await response.json()) as { details: Array<{ path: string }> } };
    };

    const notJson = await bad('/events/stream?pattern=%7Bnope');
    const notPattern = await bad(`/events/stream?${pattern({ type: 'not-a-list' })}`);
    const badId = await bad('/events/stream', { 'last-event-id': 'abc' });
    const unknown = await bad('/events/stream?type=x');

    expect(notJson.status).toBe(400);
    expect(notJson.body.details).toEqual([{ path: 'pattern', message: 'must be JSON: an EventBridge event pattern' }]);
    expect(notPattern.body.details).toEqual([{ path: 'pattern', message: expect.stringContaining('type') }]);
    expect(badId.body.details).toEqual([{ path: 'Last-Event-ID', message: 'must be an id this stream sent' }]);
    expect(unknown.body.details).toEqual([{ path: 'type', message: 'unknown query parameter' }]);
  });
});
