/**
 * Flow control when a rule changes or goes while its triggers wait, through the HTTP API of `edwe dev` (docs/rules.md,
 * "Rules changed while triggers wait"): a rule PUT with a debounce or a concurrency limit, events sent, the rule PUT
 * with a new key or without flow control, DELETEd or disabled — and every trigger ends started or ABORTED, none QUEUED.
 * Each scenario has its own event type and workflow; assertions are about end states, never about speed.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngine, type EngineProcess } from '../support/engine-process.js';

const QUICK = { StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } };
// Long enough that what waits behind it is still waiting when the test changes the rule.
const SLOW = { StartAt: 'Work', States: { Work: { Type: 'Wait', Seconds: 2, Next: 'Done' }, Done: { Type: 'Pass', End: true } } };
const WORKFLOWS = { rekeyed: QUICK, unflowed: QUICK, deleted: QUICK, disabled: QUICK, serial: SLOW };

function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'flow-rules-change-e2e-'));
  mkdirSync(join(dir, 'rules'));
  mkdirSync(join(dir, 'workflows'));
  writeFileSync(join(dir, 'rules', 'files.yaml'), 'rules:\n  - id: unrelated\n    eventType: nothing.here\n    workflow: rekeyed\n');
  for (const [id, asl] of Object.entries(WORKFLOWS)) writeFileSync(join(dir, 'workflows', `${id}.asl.json`), JSON.stringify(asl));
  return dir;
}

const settled = (body: { executions?: Array<{ status: string }> }, count: number) =>
  body.executions?.length === count && body.executions.every((e) => e.status !== 'RUNNING' && e.status !== 'QUEUED');

describe('flow control when a managed rule changes or goes (embedded, over HTTP)', () => {
  const dir = project();
  let engine: EngineProcess;
  beforeAll(async () => {
    engine = await startEngine(['--rules', join(dir, 'rules'), '--workflows', join(dir, 'workflows'), '--memory', '--log-level', 'warn']);
  });
  afterAll(async () => {
    await engine?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${engine.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    expect(response.status, `${method} ${path}: ${await response.clone().text()}`).toBeLessThan(300);
  };
  const putRule = (id: string, fields: Record<string, unknown>) => call('PUT', `/rules/${id}`, { eventType: `${id}.happened`, workflow: id, ...fields });
  const send = async (id: string, data: Record<string, unknown>): Promise<string> => (await engine.post('/events', { type: `${id}.happened`, source: 'e2e', data })).body.id;
  const queuedOf = (workflow: string) => engine.waitFor(`/executions?workflowId=${workflow}&status=QUEUED`, (b) => b.executions?.length > 0);
  const endsOf = async (workflow: string, count: number) =>
    (await engine.waitFor(`/executions?workflowId=${workflow}&limit=100`, (b) => settled(b, count), 20_000)).executions as any[];

  it('a debounce whose key changed: the window of the old key still starts, with its last event', async () => {
    await putRule('rekeyed', { debounce: { period: '1s', key: 'data.tenant' } });
    await send('rekeyed', { tenant: 'acme', region: 'eu' });
    const last = await send('rekeyed', { tenant: 'acme', region: 'eu' });
    await queuedOf('rekeyed');
    await putRule('rekeyed', { debounce: { period: '1s', key: 'data.region' } });

    const [execution, ...more] = await endsOf('rekeyed', 1);
    expect(more).toEqual([]);
    // A window's record takes the event it starts with.
    expect(execution).toMatchObject({ status: 'SUCCEEDED', eventId: last });
  });

  it('a debounce removed: the open window starts at its wake-up', async () => {
    await putRule('unflowed', { debounce: { period: '1s', key: 'data.tenant' } });
    await send('unflowed', { tenant: 'acme' });
    await queuedOf('unflowed');
    await putRule('unflowed', {});

    expect((await endsOf('unflowed', 1)).map((e) => e.status)).toEqual(['SUCCEEDED']);
  });

  it('a rule deleted: the open window ends ABORTED (rule deleted), counted skipped as rule_removed', async () => {
    await putRule('deleted', { debounce: { period: '1s', key: 'data.tenant' } });
    await send('deleted', { tenant: 'acme' });
    await queuedOf('deleted');
    await call('DELETE', '/rules/deleted');

    expect(await endsOf('deleted', 1)).toMatchObject([{ status: 'ABORTED', error: { error: 'edwe.RuleRemoved', cause: 'rule deleted' } }]);
    const metrics = await (await fetch(`${engine.url}/metrics`)).text();
    expect(metrics).toMatch(/edwe_triggers_skipped_total\{rule="deleted",reason="rule_removed"\} 1/);
  });

  it('a rule disabled: the open window ends ABORTED (rule disabled)', async () => {
    await putRule('disabled', { debounce: { period: '1s', key: 'data.tenant' } });
    await send('disabled', { tenant: 'acme' });
    await queuedOf('disabled');
    await call('PATCH', '/rules/disabled', { enabled: false });

    expect(await endsOf('disabled', 1)).toMatchObject([{ status: 'ABORTED', error: { cause: 'rule disabled' } }]);
  });

  it('a concurrency limit whose key changed: what waits in the old key starts as the running execution ends; all succeed', async () => {
    await putRule('serial', { concurrency: { limit: 1, key: 'data.tenant' } });
    for (let i = 0; i < 3; i++) await send('serial', { tenant: 'acme', region: `r-${i}` });
    await queuedOf('serial');
    await putRule('serial', { concurrency: { limit: 1, key: 'data.region' } });

    expect((await endsOf('serial', 3)).map((e) => e.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
  });
});
