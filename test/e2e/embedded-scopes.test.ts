import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startEngine, useEngine } from '../support/engine-process.js';

const tokens = [
  { name: 'reader', token: 'reader-token-0123456789', scopes: ['events:read'] },
  { name: 'shop', token: 'shop-token-0123456789ab', scopes: ['events:write'], sources: ['shop.*'] },
  { name: 'ops', token: 'ops-token-0123456789abc', scopes: ['events:read', 'executions:read', 'replays:write', 'rules:read'] },
];
const file = join(mkdtempSync(join(tmpdir(), 'edwe-tokens-')), 'tokens.json');
writeFileSync(file, JSON.stringify(tokens));

const as = (token: string) => ({ authorization: `Bearer ${token}` });

describe('edwe dev --tokens FILE', () => {
  const engine = useEngine(['--memory', '--log-level', 'warn', '--tokens', file]);
  const get = async (path: string, token: string) => {
    const response = await fetch(`${engine.url}${path}`, { headers: as(token) });
    return { status: response.status, body: (await response.json()) as any };
  };

  it('answers 403 naming the scope a token lacks, and stores nothing', async () => {
    const answer = await engine.post('/events', { id: 'scope-1', type: 't', source: 'shop.web' }, as('reader-token-0123456789'));

    expect(answer).toMatchObject({ status: 403, body: { error: 'forbidden', message: expect.stringContaining('events:write') } });
    expect((await get('/events/scope-1', 'reader-token-0123456789')).status).toBe(404);
  });

  it('limits a write token to its sources, entry by entry', async () => {
    const answer = await engine.post(
      '/events',
      [
        { id: 'scope-shop', type: 't', source: 'shop.web' },
        { id: 'scope-crm', type: 't', source: 'crm' },
      ],
      as('shop-token-0123456789ab'),
    );

    expect(answer.status).toBe(200);
    expect(answer.body.results).toEqual([{ id: 'scope-shop' }, expect.objectContaining({ error: 'forbidden', message: expect.stringContaining('"crm"') })]);
  });

  it('lets each token do what its scopes say', async () => {
    expect((await get('/events?source=shop.web', 'reader-token-0123456789')).status).toBe(200);
    expect((await get('/executions?correlationId=none', 'reader-token-0123456789')).status).toBe(403);
    expect((await get('/executions?correlationId=none', 'ops-token-0123456789abc')).status).toBe(200);
    expect((await get('/rules', 'ops-token-0123456789abc')).status).toBe(200);
    expect((await get('/rules', 'shop-token-0123456789ab')).body).toMatchObject({ error: 'forbidden', message: expect.stringContaining('rules:read') });
    // Firing a schedule is a write: reading the rules is not enough.
    const trigger = await engine.post('/rules/premium-onboarding/trigger', undefined, as('ops-token-0123456789abc'));
    expect(trigger).toMatchObject({ status: 403, body: { error: 'forbidden', message: expect.stringContaining('rules:write') } });
  });

  it('answers 401 to an unknown token and shows only the status on an open /health', async () => {
    expect((await get('/events', 'not-a-token-at-all-000')).status).toBe(401);
    expect(await engine.get('/health')).toEqual({ status: 200, body: { status: 'ok' } });
    expect((await get('/health', 'reader-token-0123456789')).body).toHaveProperty('events');
  });
});

describe('edwe dev with a bad tokens file', () => {
  it('refuses to start, naming the file and the entry', async () => {
    const bad = join(mkdtempSync(join(tmpdir(), 'edwe-tokens-')), 'bad-tokens.json');
    writeFileSync(bad, JSON.stringify([{ name: 'x', token: 'short', scopes: ['events:fly'] }]));

    await expect(startEngine(['--memory', '--tokens', bad])).rejects.toThrow(/bad-tokens\.json: 0\.token: must be at least 16 characters; 0\.scopes\.0/);
  });
});
