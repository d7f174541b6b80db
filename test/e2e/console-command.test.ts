import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FetchLike } from '../../cli/aws-fetch.js';
import { createConsoleProxy } from '../../cli/console-command.js';
import { registration, useEngine } from '../support/engine-process.js';

describe('edwe console: the console on this machine, its API calls passed to the engine', () => {
  const engine = useEngine(['--memory', '--log-level', 'warn', '--token', 'proxy-token']);
  /** What the proxy asked its fetch for: the stand-in for SigV4 signing. */
  const calls: Array<{ url: string; method: string; headers: Record<string, string> }> = [];
  const recording: FetchLike = (input, init = {}) => {
    calls.push({ url: String(input), method: init.method ?? 'GET', headers: Object.fromEntries(new Headers(init.headers)) });
    return fetch(input, init);
  };
  const proxies: Array<{ close(): void }> = [];
  const start = async (options: Partial<Parameters<typeof createConsoleProxy>[0]> = {}) => {
    const server = createConsoleProxy({ target: engine.url, fetch: recording, signed: false, token: 'proxy-token', home: 'embedded', ...options });
    await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
    proxies.push(server);
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };
  let local: string;
  beforeAll(async () => {
    local = await start();
  });
  afterAll(() => {
    for (const proxy of proxies) proxy.close();
  });

  it('serves the console pointed at /api', async () => {
    const page = await fetch(`${local}/console`);
    expect(page.headers.get('content-security-policy')).toMatch(/^default-src 'self'/);
    const html = await page.text();
    expect(html).toContain('<meta name="edwe-api" content="/api">');
    expect(html).toContain('<meta name="edwe-home" content="embedded">');
  });

  it('passes /api calls to the engine with the token it holds, bodies and answers unchanged', async () => {
    const posted = await fetch(`${local}/api/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(registration()) });
    expect(posted.status).toBe(202);
    const { id } = (await posted.json()) as { id: string };
    const read = await fetch(`${local}/api/events/${id}`);
    expect(((await read.json()) as { type: string }).type).toBe('user_registration');
    expect(calls.at(-1)).toMatchObject({ url: `${engine.url}/events/${id}`, method: 'GET', headers: { authorization: 'Bearer proxy-token' } });
  });

  it('passes a rule edit through: PUT, PATCH and DELETE with If-Match, the ETag back, a stale version as 412', async () => {
    const rule = { eventType: 'proxy.test', workflow: 'send_confirmation' };
    const put = (ifMatch?: string) =>
      fetch(`${local}/api/rules/proxied-rule`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', ...(ifMatch ? { 'if-match': ifMatch } : {}) },
        body: JSON.stringify(rule),
      });
    const created = await put();
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toBe('"1"');
    expect((await put('"1"')).headers.get('etag')).toBe('"2"');
    const stale = await put('"1"');
    expect(stale.status).toBe(412);
    expect(calls.at(-1)?.headers['if-match']).toBe('"1"');

    const patched = await fetch(`${local}/api/rules/proxied-rule`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', 'if-match': '"2"' },
      body: '{"enabled": false}',
    });
    expect([patched.status, patched.headers.get('etag')]).toEqual([200, '"3"']);
    expect((await fetch(`${local}/api/rules/proxied-rule`, { method: 'DELETE', headers: { 'if-match': '"2"' } })).status).toBe(412);
    expect((await fetch(`${local}/api/rules/proxied-rule`, { method: 'DELETE', headers: { 'if-match': '"3"' } })).status).toBe(204);
    expect((await fetch(`${local}/api/rules/proxied-rule`)).status).toBe(404);
  });

  it('drops the browser’s Authorization when it signs (SigV4 writes its own), and tells the console to poll', async () => {
    const signed = await start({ signed: true, token: undefined, home: 'aws', region: 'eu-west-1' });
    await fetch(`${signed}/api/health`, { headers: { authorization: 'Bearer from-the-browser' } });
    expect(calls.at(-1)?.headers.authorization).toBeUndefined();
    const html = await (await fetch(`${signed}/console`)).text();
    expect(html).toContain('<meta name="edwe-home" content="aws">');
    expect(html).toContain('<meta name="edwe-region" content="eu-west-1">');
  });

  it('answers 404 outside /console and /api, and 502 naming the engine when it cannot be reached', async () => {
    expect((await fetch(`${local}/events`)).status).toBe(404);
    const nowhere = await start({ target: 'http://127.0.0.1:9' });
    const answer = await fetch(`${nowhere}/api/health`);
    expect(answer.status).toBe(502);
    expect(((await answer.json()) as { message: string }).message).toContain('http://127.0.0.1:9');
  });
});
