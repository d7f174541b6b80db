import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FieldEncryption, isSealed, type EngineEvent } from '../../lambdas/core/index.js';
import { EmbeddedEngine } from '../../lambdas/embedded/embedded-engine.js';
import { LocalDataKeys } from '../../lambdas/embedded/local-data-keys.js';
import { createLogger } from '../../lambdas/embedded/logger.js';
import { defaultPaths, loadProject, ProjectError } from '../../lambdas/project/load-project.js';

const EMAIL = 'ada.secret@example.com';
const ORDER_EMAIL = 'buyer.secret@example.com';

const config = (extraRule = '') => `event_driven_workflow_engine:
  trigger_rules:
    - event_type: user_registration
      workflow: onboarding_workflow
      conditions:
        - field: user_type
          value: premium
        - field: email
          op: exists
          value: true
    - event_type: order.placed
      workflow: order_fulfilment
      correlate_by: data.orderId
${extraRule}  event_sourcing:
    encrypt:
      - event_type: user_registration
        fields: [data.email]
      - event_type: order.placed
        fields: [data.customerEmail]
`;

function projectIn(dir: string, text: string) {
  const rulesDir = join(dir, 'rules');
  rmSync(rulesDir, { recursive: true, force: true });
  mkdirSync(rulesDir, { recursive: true });
  writeFileSync(join(rulesDir, 'edwe.config.yaml'), text);
  return loadProject({ ...defaultPaths(), rulesDir });
}

describe('field-level encryption (embedded)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'edwe-encrypt-'));
  const dbPath = join(dir, 'data', 'events.db');
  const lines: string[] = [];
  let engine: EmbeddedEngine;
  let registrationId: string;
  let orderId: string;

  beforeAll(async () => {
    engine = await EmbeddedEngine.open({ project: projectIn(dir, config()), dbPath, logger: createLogger({ level: 'debug', write: (line) => lines.push(line) }) });
    registrationId = (
      await engine.ingest({ type: 'user_registration', source: 'web', timestamp: new Date().toISOString(), data: { userId: 'u-1', email: EMAIL, user_type: 'premium' } })
    ).id;
    orderId = (await engine.ingest({ type: 'order.placed', source: 'shop', data: { orderId: 'o-enc', customerEmail: ORDER_EMAIL, items: [{ sku: 'tea', quantity: 1 }] } })).id;
    await vi.waitFor(() => expect(engine.executionsForEvent(orderId)).toHaveLength(1), { timeout: 10_000 });
    await engine.ingest({ type: 'payment.received', source: 'payments', correlationId: 'o-enc', data: { orderId: 'o-enc', amount: 5 } });
    await engine.idle();
    const job = await engine.replay(
      engine.parseReplay({ workflowId: 'onboarding_workflow', startTime: new Date(Date.now() - 60_000).toISOString(), endTime: new Date(Date.now() + 60_000).toISOString() }),
    );
    await engine.replayExecutions(job.replayId);
    await engine.idle();
  }, 30_000);
  afterAll(async () => {
    await engine?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('hands workflows the decrypted event: the onboarding still validates the address and composes its welcome', () => {
    const [onboarding] = engine.executionsForEvent(registrationId);
    expect(onboarding?.status).toBe('SUCCEEDED');
    const welcome = (onboarding?.output as { welcome: { to: string } } | undefined)?.welcome;
    // Stored with the address sealed again, in the form the event holds it.
    expect(isSealed(welcome?.to)).toBe(true);
    expect(engine.executionsForEvent(orderId)[0]?.output).toMatchObject({ outcome: 'confirmed' });
  });

  it('answers reads with the sealed form, and the plaintext only to a reader allowed to see it', async () => {
    const sealed = await engine.queries.event(registrationId);
    expect(isSealed(sealed.data.email)).toBe(true);
    expect(sealed.data).toMatchObject({ userId: 'u-1', user_type: 'premium' });
    expect((await engine.queries.event(registrationId, { revealSensitive: true })).data.email).toBe(EMAIL);
    const page = await engine.queries.events({ type: 'user_registration' }, { revealSensitive: true });
    expect(page.events.map((e: EngineEvent) => e.data.email)).toEqual([EMAIL]);
    expect((await engine.queries.correlation('o-enc')).events.find((e) => e.type === 'order.placed')?.data.customerEmail).toMatch(/^edwe:enc:v1:/);
  });

  it('seals what a workflow emits from an encrypted field, though its type is not configured', async () => {
    const confirmed = (await engine.queries.correlation('o-enc')).events.find((e) => e.type === 'order.confirmed');
    expect(isSealed(confirmed?.data.customerEmail)).toBe(true);
  });

  it('leaves no plaintext anywhere in the database files or the logs, and keeps its key file to its owner', async () => {
    await engine.close();
    const files = readdirSync(join(dir, 'data')).filter((f) => f.startsWith('events.db'));
    expect(files).toContain('events.db.key');
    for (const file of files) {
      const bytes = readFileSync(join(dir, 'data', file));
      expect(bytes.includes(EMAIL), file).toBe(false);
      expect(bytes.includes(ORDER_EMAIL), file).toBe(false);
    }
    expect(statSync(join(dir, 'data', 'events.db.key')).mode & 0o777).toBe(0o600);
    expect(lines.length).toBeGreaterThan(10);
    expect(lines.filter((l) => l.includes(EMAIL) || l.includes(ORDER_EMAIL))).toEqual([]);
  });
});

describe('field encryption: what is refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'edwe-encrypt-rules-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses, when the project loads, a rule that tests an encrypted field for more than its existence', () => {
    const rule = `    - event_type: user_registration
      workflow: onboarding_workflow
      conditions:
        - field: email
          op: suffix
          value: "@example.com"
    - event_type: [order.placed]
      workflow: order_fulfilment
      pattern: { data: { customerEmail: [{ prefix: "a" }] } }
`;
    expect(() => projectIn(dir, config(rule))).toThrow(ProjectError);
    try {
      projectIn(dir, config(rule));
    } catch (error) {
      const messages = (error as ProjectError).issues.map((i) => i.message);
      expect(messages).toEqual([
        expect.stringContaining('"data.email" of user_registration is encrypted (event_sourcing.encrypt); a condition on it can only be "exists", not "suffix"'),
        expect.stringContaining('"data.customerEmail" of order.placed is encrypted (event_sourcing.encrypt); a pattern may only test it with [{ "exists": … }]'),
      ]);
    }
  });

  it('refuses an encrypt entry that names no path under data', () => {
    const bad = config().replace('fields: [data.email]', 'fields: [email]');
    expect(() => projectIn(dir, bad)).toThrow(/encrypt: \[0\]\.fields: must be a path under data, such as "data\.email", got "email"/);
  });

  it('refuses a key file others can read, and a sealed field under another key', async () => {
    const keyFile = join(dir, 'open.key');
    writeFileSync(keyFile, `${Buffer.alloc(32, 1).toString('base64')}\n`, { mode: 0o644 });
    expect(() => LocalDataKeys.open(keyFile)).toThrow(/readable by others \(mode 644\); run chmod 600/);
    const mine = new FieldEncryption([{ eventType: 't', fields: ['data.secret'] }], LocalDataKeys.open(undefined));
    const theirs = new FieldEncryption([{ eventType: 't', fields: ['data.secret'] }], LocalDataKeys.open(undefined));
    const sealed = await mine.seal({ id: 'e', type: 't', source: 's', timestamp: '2026-01-01T00:00:00.000Z', data: { secret: { pin: 1234 }, other: 1 } });
    expect(sealed.data.other).toBe(1);
    expect((await mine.reveal(sealed)).data.secret).toEqual({ pin: 1234 });
    await expect(theirs.reveal(sealed)).rejects.toThrow(/does not open with its key/);
  });
});
