import { describe, expect, it } from 'vitest';
import { useEngine } from '../support/engine-process.js';
import { nestedJson, rawRequest } from '../support/raw-http.js';

/** A POST of JSON text exactly as given (no re-serialisation), answered as JSON. */
const postText = async (url: string, path: string, text: string, headers: Record<string, string> = {}) => {
  const response = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: text });
  const body = await response.text();
  return { status: response.status, headers: response.headers, body: body === '' ? undefined : JSON.parse(body) };
};
const event = (id: string, data = '{}') => `{"id":"${id}","type":"hostile.test","source":"fuzz","data":${data}}`;

describe('edwe dev under requests meant to crash it', () => {
  const engine = useEngine();

  it('answers 400 to a request target the URL parser refuses, and keeps running', async () => {
    for (const target of ['//', '//x/y', 'http://[::1', '*']) {
      const answer = await rawRequest(engine.url, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1`);
      expect(answer.status, target).toBe(400);
      expect(answer.body).toMatchObject({ error: 'bad_request', details: [] });
    }
    expect((await engine.get('/health')).status).toBe(200);
  });

  it('refuses an event nested deeper than 32 levels at its batch index and stores the good entries once', async () => {
    const body = `{"events":[${event('deep-ok-1')},${event('deep-1', nestedJson(4100))},${event('deep-edge', nestedJson(31))},${event('deep-over', nestedJson(32))}]}`;

    const answer = await postText(engine.url, '/events', body);

    expect(answer.status).toBe(200);
    expect(answer.body.results[0]).toEqual({ id: 'deep-ok-1' });
    expect(answer.body.results[1]).toMatchObject({ error: 'validation_error', message: expect.stringMatching(/deeper than 32 levels/) });
    expect(answer.body.results[2]).toEqual({ id: 'deep-edge' });
    expect(answer.body.results[3]).toMatchObject({ error: 'validation_error', details: [{ message: expect.stringMatching(/deeper than 32/) }] });
    expect((await engine.get('/events/deep-edge')).status).toBe(200);
    expect((await engine.get('/events/deep-1')).status).toBe(404);
  });

  it('answers 400 to one event of a million levels without parsing them', async () => {
    const answer = await postText(engine.url, '/events', event('deep-million', nestedJson(1_000_000)));

    expect(answer).toMatchObject({ status: 400, body: { error: 'validation_error', details: [{ path: expect.stringMatching(/^data/) }] } });
  });

  it('answers 400 to a path whose percent-encoding is invalid', async () => {
    const answer = await engine.get('/events/%E0%A4%A');

    expect(answer).toMatchObject({ status: 400, body: { error: 'bad_request' } });
  });

  it('answers PutEvents entry by entry: a null entry and a Time of 1e20 fail, the valid entry is stored', async () => {
    const entry = { Source: 'fuzz', DetailType: 'hostile.put', Detail: '{"n":1}' };
    const answer = await postText(engine.url, '/', JSON.stringify({ Entries: [null, { ...entry, Time: 1e20 }, entry] }), {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'AWSEvents.PutEvents',
    });

    expect(answer.status).toBe(200);
    expect(answer.body.FailedEntryCount).toBe(2);
    expect(answer.body.Entries[0]).toMatchObject({ ErrorCode: 'InvalidArgument' });
    expect(answer.body.Entries[1]).toMatchObject({ ErrorCode: 'InvalidArgument', ErrorMessage: expect.stringMatching(/Time/) });
    expect((await engine.get(`/events/${answer.body.Entries[2].EventId}`)).status).toBe(200);
  });

  it.each([
    ['a timestamp past year 9999 in UTC', `{"type":"t","source":"s","timestamp":"9999-12-31T23:59:59-23:59"}`, 'timestamp'],
    ['the id ".."', `{"id":"..","type":"t","source":"s"}`, 'id'],
    ['the id "."', `{"id":".","type":"t","source":"s"}`, 'id'],
    ['a lone surrogate in type', `{"type":"t\\ud800","source":"s"}`, 'type'],
    ['a control character in correlationId', `{"type":"t","source":"s","correlationId":"a\\u0007b"}`, 'correlationId'],
    ['a control character in source', `{"type":"t","source":"s\\n"}`, 'source'],
    ['a number JSON cannot carry (1e400)', `{"type":"t","source":"s","data":{"n":1e400}}`, 'data.n'],
    ['__proto__ as a CloudEvents extension', `{"specversion":"1.0","id":"ce-1","type":"t","source":"s","__proto__":{"x":1}}`, '__proto__'],
  ])('refuses %s with 400 naming the field', async (_name, text, path) => {
    const answer = await postText(engine.url, '/events', text);

    expect(answer.status).toBe(400);
    expect(answer.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
  });

  it('refuses a body that is not UTF-8', async () => {
    const body = Buffer.concat([Buffer.from('{"type":"t","source":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    const answer = await rawRequest(engine.url, 'POST /events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json', body);

    expect(answer).toMatchObject({ status: 400, body: { error: 'validation_error', message: expect.stringMatching(/UTF-8/) } });
  });

  it('requires a zone on query and replay bounds', async () => {
    expect((await engine.get('/events?from=2026-01-01T00:00:00')).status).toBe(400);
    const replay = await engine.post('/replays', { startTime: new Date(Date.now() - 60_000).toISOString().slice(0, 19), endTime: new Date().toISOString() });
    expect(replay).toMatchObject({ status: 400, body: { details: [expect.objectContaining({ path: 'startTime' })] } });
  });

  it('refuses a replay rate too small to pace with (1e-300), naming the range', async () => {
    const answer = await engine.post('/replays', { startTime: new Date(Date.now() - 60_000).toISOString(), endTime: new Date().toISOString(), ratePerSecond: 1e-300 });

    expect(answer).toMatchObject({ status: 400, body: { details: [{ path: 'ratePerSecond', message: expect.stringMatching(/from 0\.01 to/) }] } });
  });

  it("answers Node's own refusals (oversized headers) and 405s in the JSON error shape", async () => {
    const big = await rawRequest(engine.url, `GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(20_000)}`);
    expect(big).toMatchObject({ status: 431, body: { error: 'request_header_fields_too_large', details: [] } });
    const garbage = await rawRequest(engine.url, 'NOT HTTP AT ALL');
    expect(garbage).toMatchObject({ status: 400, body: { error: 'bad_request' } });
    const method = await rawRequest(engine.url, 'PUT /events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json', '{}');
    expect(method).toMatchObject({ status: 405, headers: { allow: expect.stringContaining('POST') }, body: { error: 'method_not_allowed' } });
  });

  it('pages GET /correlations/{id} with a cursor instead of truncating', async () => {
    const events = Array.from({ length: 5 }, (_, i) => ({
      id: `corr-page-${i}`,
      type: 't',
      source: 's',
      correlationId: 'corr-paged',
      timestamp: new Date(Date.now() - 5000 + i).toISOString(),
    }));
    expect((await engine.post('/events', events)).status).toBe(200);

    const first = await engine.get('/correlations/corr-paged?limit=3');
    const second = await engine.get(`/correlations/corr-paged?limit=3&cursor=${first.body.cursor}`);

    expect(first.body.events.map((e: { id: string }) => e.id)).toEqual(['corr-page-0', 'corr-page-1', 'corr-page-2']);
    expect(second.body.events.map((e: { id: string }) => e.id)).toEqual(['corr-page-3', 'corr-page-4']);
    expect(second.body.cursor).toBeUndefined();
  });
});

describe('edwe dev against browsers it did not invite', () => {
  const engine = useEngine();

  it('answers 415 to a POST that is not JSON (what a form or a no-preflight fetch sends), storing nothing', async () => {
    const answer = await postText(engine.url, '/events', event('csrf-1'), { 'content-type': 'text/plain' });

    expect(answer).toMatchObject({ status: 415, body: { error: 'unsupported_media_type' } });
    expect((await engine.get('/events/csrf-1')).status).toBe(404);
  });

  it('answers 403 to a foreign Origin, storing nothing', async () => {
    const answer = await postText(engine.url, '/events', event('csrf-2'), { origin: 'https://evil.example' });

    expect(answer).toMatchObject({ status: 403, body: { error: 'forbidden_origin', message: expect.stringMatching(/--cors/) } });
    expect((await engine.get('/events/csrf-2')).status).toBe(404);
  });

  it('answers 421 to a Host that is not its own (DNS rebinding) while bound to loopback', async () => {
    const answer = await rawRequest(engine.url, 'GET /events?type=t HTTP/1.1\r\nHost: rebind.evil.example:3000');

    expect(answer).toMatchObject({ status: 421, body: { error: 'misdirected_request' } });
    expect((await rawRequest(engine.url, 'GET /health HTTP/1.1\r\nHost: localhost:3000')).status).toBe(200);
  });
});

describe('edwe dev --cors', () => {
  const engine = useEngine(['--memory', '--log-level', 'warn', '--cors', 'https://app.example.com']);

  it('answers the preflight of an allowed origin and lets its requests through with CORS headers', async () => {
    const preflight = await fetch(`${engine.url}/events`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');

    const answer = await postText(engine.url, '/events', event('cors-1'), { origin: 'https://app.example.com' });
    expect(answer.status).toBe(202);
    expect(answer.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect((await postText(engine.url, '/events', event('cors-2'), { origin: 'https://other.example.com' })).status).toBe(403);
  });
});
