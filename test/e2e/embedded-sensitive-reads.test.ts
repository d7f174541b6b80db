import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSealed } from '../../lambdas/core/field-encryption.js';
import { EmbeddedEngine } from '../../lambdas/embedded/embedded-engine.js';
import { createHttpServer } from '../../lambdas/embedded/http-server.js';
import { createLogger } from '../../lambdas/embedded/logger.js';
import { defaultPaths, loadProject } from '../../lambdas/project/load-project.js';

const EMAIL = 'ada.secret@example.com';
const CONFIG = `event_driven_workflow_engine:
  event_sourcing:
    encrypt:
      - event_type: user_registration
        fields: [data.email]
`;
const tokens = [
  { name: 'reader', token: 'reader-token-0123456789', scopes: ['events:read' as const] },
  { name: 'auditor', token: 'auditor-token-012345678', scopes: ['events:read' as const, 'events:read-sensitive' as const] },
  { name: 'revealer', token: 'revealer-token-01234567', scopes: ['events:read-sensitive' as const] },
];

describe('reading sealed fields over the embedded HTTP API (tokens with and without events:read-sensitive)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'edwe-sensitive-'));
  let engine: EmbeddedEngine;
  let server: Server;
  let base: string;
  const get = async (path: string, token: string) => {
    const response = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, body: (await response.json()) as any };
  };

  beforeAll(async () => {
    const rulesDir = join(dir, 'rules');
    mkdirSync(rulesDir, { recursive: true });
    writeFileSync(join(rulesDir, 'edwe.config.yaml'), CONFIG);
    const logger = createLogger({ level: 'error', write: () => undefined });
    engine = await EmbeddedEngine.open({ project: loadProject({ ...defaultPaths(), rulesDir }), dbPath: join(dir, 'events.db'), logger });
    await engine.ingest({ id: 'reg-1', type: 'user_registration', source: 'web', correlationId: 'acct-1', data: { userId: 'u-1', email: EMAIL } });
    server = createHttpServer(engine, logger, { tokens });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 30_000);
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await engine?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers GET /events… sealed to a reader, and opened to a reader holding events:read-sensitive', async () => {
    const sealed = await get('/events/reg-1', 'reader-token-0123456789');
    const opened = await get('/events/reg-1', 'auditor-token-012345678');

    expect(isSealed(sealed.body.data.email)).toBe(true);
    expect(opened.body.data.email).toBe(EMAIL);
  });

  it('answers GET /sensitive/events… (the AWS paths) opened, and only with events:read-sensitive', async () => {
    const one = await get('/sensitive/events/reg-1', 'revealer-token-01234567');
    const listed = await get('/sensitive/events?correlationId=acct-1', 'revealer-token-01234567');
    const timeline = await get('/sensitive/correlations/acct-1', 'revealer-token-01234567');
    const refused = await get('/sensitive/events/reg-1', 'reader-token-0123456789');

    expect(one).toMatchObject({ status: 200, body: { id: 'reg-1', data: { email: EMAIL, userId: 'u-1' } } });
    expect(listed.body.events).toEqual([expect.objectContaining({ id: 'reg-1', data: { email: EMAIL, userId: 'u-1' } })]);
    expect(timeline.body.events).toEqual([expect.objectContaining({ id: 'reg-1', data: { email: EMAIL, userId: 'u-1' } })]);
    expect(refused).toMatchObject({ status: 403, body: { error: 'forbidden', message: expect.stringContaining('events:read-sensitive') } });
    expect(JSON.stringify(refused.body)).not.toContain(EMAIL);
  });
});
