import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSealed } from '../../lambdas/core/field-encryption.js';
import { EmbeddedEngine } from '../../lambdas/embedded/embedded-engine.js';
import { createHttpServer } from '../../lambdas/embedded/http-server.js';
import { createLogger } from '../../lambdas/embedded/logger.js';
import { defaultPaths, loadProject } from '../../lambdas/project/load-project.js';

const ACCOUNT = 'acct-7f3e-secret';
const ADMIN = 'admin-ada-secret';
// A schedule's fire carries the rule's `data`; a rule change's audit event names who made it (`data.by`).
const CONFIG = `event_driven_workflow_engine:
  event_sourcing:
    encrypt:
      - event_type: schedule.fired
        fields: [data.account]
      - event_type: rule.created
        fields: [data.by]
`;
const tokens = [
  { name: ADMIN, token: 'admin-token-0123456789a', scopes: ['rules:read' as const, 'rules:write' as const, 'events:read' as const] },
  { name: 'revealer', token: 'revealer-token-01234567', scopes: ['events:read-sensitive' as const] },
];

describe('the rules API seals what it appends (embedded, over HTTP, field encryption configured)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'edwe-rules-sealing-'));
  const dbPath = join(dir, 'events.db');
  let engine: EmbeddedEngine;
  let server: Server;
  let base: string;
  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(method === 'GET' ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  /** The stored row of an event, as it rests in the database file. */
  const rowOf = (id: string): string => {
    const db = new Database(dbPath, { readonly: true });
    try {
      return JSON.stringify(db.prepare('SELECT * FROM events WHERE id = ?').get(id));
    } finally {
      db.close();
    }
  };

  beforeAll(async () => {
    const rulesDir = join(dir, 'rules');
    mkdirSync(rulesDir, { recursive: true });
    writeFileSync(join(rulesDir, 'edwe.config.yaml'), CONFIG);
    const logger = createLogger({ level: 'error', write: () => undefined });
    engine = await EmbeddedEngine.open({ project: loadProject({ ...defaultPaths(), rulesDir }), dbPath, logger });
    server = createHttpServer(engine, logger, { tokens });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 30_000);
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await engine?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores the trigger event of POST /rules/{id}/trigger with its configured field sealed, and opens it on GET /sensitive/events/{id}', async () => {
    const created = await call('PUT', '/rules/nightly-sealed', 'admin-token-0123456789a', {
      schedule: 'rate(1 day)',
      workflow: 'send_confirmation',
      data: { account: ACCOUNT, orderId: 'o-1' },
    });
    expect(created.status).toBe(201);

    const fired = await call('POST', '/rules/nightly-sealed/trigger', 'admin-token-0123456789a');
    expect(fired.status).toBe(202);
    const plain = await call('GET', `/events/${fired.body.id}`, 'admin-token-0123456789a');
    const opened = await call('GET', `/sensitive/events/${fired.body.id}`, 'revealer-token-01234567');

    expect(plain.body).toMatchObject({ type: 'schedule.fired', data: { ruleId: 'nightly-sealed', orderId: 'o-1' } });
    expect(isSealed(plain.body.data.account)).toBe(true);
    expect(rowOf(fired.body.id)).not.toContain(ACCOUNT);
    expect(opened).toMatchObject({ status: 200, body: { id: fired.body.id, data: { account: ACCOUNT, orderId: 'o-1' } } });
  });

  it('stores the rule.created audit event with `data.by` sealed, and opens it to a reader allowed the sensitive reads', async () => {
    const created = await call('PUT', '/rules/audited-sealed', 'admin-token-0123456789a', { eventType: 'order.placed', workflow: 'send_confirmation' });
    expect(created.status).toBe(201);

    const listed = await call('GET', '/events?type=rule.created', 'admin-token-0123456789a');
    const audit = listed.body.events.find((event: any) => event.data.ruleId === 'audited-sealed');
    const opened = await call('GET', `/sensitive/events/${audit.id}`, 'revealer-token-01234567');

    expect(isSealed(audit.data.by)).toBe(true);
    expect(rowOf(audit.id)).not.toContain(ADMIN);
    expect(opened.body.data).toEqual({ ruleId: 'audited-sealed', version: 1, by: ADMIN });
  });
});
