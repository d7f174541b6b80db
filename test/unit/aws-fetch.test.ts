import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../../cli/api-client.js';
import { awsFetch, createAwsFetch, isExecuteApiUrl, regionFromUrl } from '../../cli/aws-fetch.js';
import { TEST_CREDENTIALS, useSigV4Server } from '../support/sigv4-server.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);
const CREDENTIAL_ENV = { AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey, AWS_REGION: 'eu-west-1' };

describe('awsFetch: SigV4-signed requests a verifying server accepts', () => {
  const server = useSigV4Server();
  const saved: Record<string, string | undefined> = {};
  beforeAll(() => {
    // The default credential chain reads the environment first: the fixed test credentials go there.
    for (const [name, value] of Object.entries(CREDENTIAL_ENV)) {
      saved[name] = process.env[name];
      process.env[name] = value;
    }
  });
  afterAll(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('signs a GET with a query string from the default credential chain', async () => {
    const response = await awsFetch(`${server.url}/events?type=user%20registration&limit=2&type=b`);

    expect(response.status).toBe(200);
    const seen = server.seen.at(-1);
    expect(seen?.rejected).toBeUndefined();
    expect(seen?.headers.authorization).toMatch(new RegExp(`^AWS4-HMAC-SHA256 Credential=${TEST_CREDENTIALS.accessKeyId}/\\d{8}/eu-west-1/execute-api/aws4_request`));
  });

  it('signs the API client’s POST with a JSON body when --aws is given', async () => {
    const api = apiClient({ url: server.url, aws: true, env: {} });

    const answer = await api.request<{ ok: boolean; path: string }>('POST', '/events/a%20b', { type: 't', source: 's', data: { n: 1 } });

    expect(answer).toEqual({ ok: true, path: '/events/a%20b' });
    expect(server.seen.at(-1)).toMatchObject({ method: 'POST', body: '{"type":"t","source":"s","data":{"n":1}}' });
  });

  it('is refused when the body is changed after signing', async () => {
    const tampering = createAwsFetch({ fetch: (url, init) => fetch(url, { ...init, body: '{"type":"forged"}' }) });

    const response = await tampering(`${server.url}/events`, { method: 'POST', body: '{"type":"t"}' });

    expect(response.status).toBe(403);
    expect(server.seen.at(-1)?.rejected).toMatch(/does not match/);
  });

  it('is refused when the path is changed after signing', async () => {
    const tampering = createAwsFetch({ fetch: (url, init) => fetch(String(url).replace('/events', '/replays'), init) });

    const response = await tampering(`${server.url}/events`);

    expect(response.status).toBe(403);
    expect(server.seen.at(-1)?.rejected).toBe('signature does not match the request');
  });

  it('is refused when signed with another secret', async () => {
    const wrongSecret = createAwsFetch({ credentials: { accessKeyId: TEST_CREDENTIALS.accessKeyId, secretAccessKey: 'not-the-secret' } });

    const response = await wrongSecret(`${server.url}/executions`);

    expect(response.status).toBe(403);
  });

  it('sends no signature to a plain URL without --aws', async () => {
    await apiClient({ url: server.url, env: {} })
      .request('GET', '/events')
      .catch(() => undefined);

    expect(server.seen.at(-1)?.headers.authorization).toBeUndefined();
  });

  it('signs every request of `edwe events get --aws`, run as a user would', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bin/edwe.ts', 'events', 'get', 'evt-1', '--url', server.url, '--aws'], {
      cwd: ROOT,
      env: { ...process.env, ...CREDENTIAL_ENV, NODE_NO_WARNINGS: '1' },
    });

    expect(JSON.parse(stdout)).toEqual({ ok: true, path: '/events/evt-1' });
    expect(server.seen.at(-1)?.rejected).toBeUndefined();
  });
});

describe('when the CLI signs, and for which region', () => {
  it('recognises API Gateway hosts, including China partitions, and takes their region', () => {
    expect(isExecuteApiUrl('https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod')).toBe(true);
    expect(isExecuteApiUrl('https://a1b2c3d4e5.execute-api.cn-north-1.amazonaws.com.cn/prod')).toBe(true);
    expect(isExecuteApiUrl('https://events.example.com/prod')).toBe(false);
    expect(isExecuteApiUrl('http://127.0.0.1:3000')).toBe(false);
    expect(regionFromUrl('https://a1b2c3d4e5.execute-api.cn-north-1.amazonaws.com.cn/prod')).toBe('cn-north-1');
    expect(regionFromUrl('https://monitoring.us-gov-west-1.amazonaws.com/')).toBe('us-gov-west-1');
  });

  it('signs for an execute-api URL without being asked', async () => {
    const calls: string[] = [];
    const api = apiClient({
      url: 'https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod/',
      env: {},
      signedFetch: async (url) => {
        calls.push(String(url));
        return new Response('{"events":[]}', { status: 200 });
      },
    });

    await api.request('GET', '/events');

    expect(calls).toEqual(['https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod/events']);
  });

  it('names AWS_REGION when neither the host nor the environment gives a region', async () => {
    const signing = createAwsFetch({ env: {}, credentials: TEST_CREDENTIALS, fetch: async () => new Response('') });

    await expect(signing('https://events.example.com/events')).rejects.toThrow(/events\.example\.com.*set AWS_REGION/);
  });

  it('refuses --token together with SigV4: both would be the Authorization header', () => {
    expect(() => apiClient({ url: 'http://127.0.0.1:3000', aws: true, token: 't', env: {} })).toThrow(/--token and SigV4/);
  });
});
