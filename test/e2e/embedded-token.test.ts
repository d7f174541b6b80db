import { describe, expect, it } from 'vitest';
import { useEngine } from '../support/engine-process.js';

describe('edwe dev --token', () => {
  const engine = useEngine(['--memory', '--token', 's3cret-token', '--log-level', 'warn']);

  it('answers 401 without the bearer token, and stores nothing', async () => {
    const answer = await engine.post('/events', { id: 'tok-1', type: 't', source: 's' });

    expect(answer).toEqual({ status: 401, body: { error: 'unauthorized', message: expect.stringMatching(/Bearer/), details: [] } });
    const health = await fetch(`${engine.url}/health`, { headers: { authorization: 'Bearer s3cret-token' } });
    expect(((await health.json()) as { events: { stored: number } }).events.stored).toBe(0);
  });

  it('keeps GET /health to its status for a caller without the token', async () => {
    expect(await engine.get('/health')).toEqual({ status: 200, body: { status: 'ok' } });
  });

  it('takes the scheme in any case (bearer, BEARER), as RFC 7235 says', async () => {
    for (const scheme of ['bearer', 'BEARER']) {
      const answer = await engine.post('/events', { type: 't', source: 's' }, { authorization: `${scheme} s3cret-token` });
      expect(answer.status).toBe(202);
    }
  });

  it('answers 401 for a wrong token', async () => {
    expect((await engine.post('/events', { type: 't', source: 's' }, { authorization: 'Bearer wrong' })).status).toBe(401);
  });

  it('accepts requests that carry the token', async () => {
    const answer = await engine.post('/events', { id: 'tok-2', type: 't', source: 's' }, { authorization: 'Bearer s3cret-token' });

    expect(answer).toEqual({ status: 202, body: { id: 'tok-2' } });
  });
});
