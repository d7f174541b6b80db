/**
 * Flow control through the HTTP API of `edwe dev` (docs/rules.md, "Flow control"): one scenario per feature, on a small
 * project of its own. Periods are short so the file runs in seconds; assertions are about counts and order, and about
 * lower bounds the limits guarantee, never about how fast anything is.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngine, type EngineProcess } from '../support/engine-process.js';

const QUICK = { StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } };
const waiting = (seconds: number) => ({ StartAt: 'Work', States: { Work: { Type: 'Wait', Seconds: seconds, Next: 'Done' }, Done: { Type: 'Pass', End: true } } });
const SLOW = waiting(1);
// Long enough that the test sees it running, and its follower queued, before it cancels them.
const SLOWER = waiting(5);

const RULES = `rules:
  - id: sync-account
    eventType: account.changed
    workflow: sync_account
    debounce: { period: 1s, key: data.accountId, maxWait: 1m }
  - id: sync-under-burst
    eventType: account.burst
    workflow: burst_sync
    debounce: { period: 1500ms, key: data.accountId, maxWait: 2500ms }
  - id: build-report
    eventType: report.requested
    workflow: build_report
    throttle: { limit: 2, period: 1s, key: data.tenant }
  - id: one-at-a-time
    eventType: job.requested
    workflow: run_job
    concurrency: { limit: 1, key: data.tenant }
  - id: welcome
    eventType: user.registered
    workflow: welcome_user
    rateLimit: { limit: 1, period: 1h, key: data.userId }
  - id: import
    eventType: row.imported
    workflow: import_rows
    batch: { maxSize: 3, timeout: 2s, key: data.tenant }
  - id: fulfil
    eventType: order.placed
    workflow: fulfil_order
    concurrency: { limit: 1, key: data.customer }
    cancelOn: [{ eventType: order.cancelled }]
`;

/** A project directory holding the rules above and their workflows. */
function project(rules = RULES): string {
  const dir = mkdtempSync(join(tmpdir(), 'flow-core-e2e-'));
  mkdirSync(join(dir, 'rules'));
  mkdirSync(join(dir, 'workflows', 'tasks'), { recursive: true });
  writeFileSync(join(dir, 'rules', 'flow.yaml'), rules);
  for (const [id, asl] of Object.entries({
    sync_account: QUICK,
    burst_sync: QUICK,
    build_report: QUICK,
    run_job: SLOW,
    welcome_user: QUICK,
    import_rows: QUICK,
    fulfil_order: SLOWER,
  })) {
    writeFileSync(join(dir, 'workflows', `${id}.asl.json`), JSON.stringify(asl));
  }
  return dir;
}

const args = (dir: string, db = '--memory') => [
  '--rules',
  join(dir, 'rules'),
  '--workflows',
  join(dir, 'workflows'),
  ...(db === '--memory' ? [db] : ['--db', db]),
  '--log-level',
  'warn',
];
const ended = (body: { executions?: Array<{ status: string }> }, count: number) =>
  body.executions?.length === count && body.executions.every((e) => e.status !== 'RUNNING' && e.status !== 'QUEUED');

describe('flow control over HTTP (embedded)', () => {
  const dir = project();
  let engine: EngineProcess;
  beforeAll(async () => {
    engine = await startEngine(args(dir));
  });
  afterAll(async () => {
    await engine?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const send = async (event: Record<string, unknown>): Promise<string> => (await engine.post('/events', { source: 'e2e', ...event })).body.id;
  const executionsOf = (workflowId: string) => engine.get(`/executions?workflowId=${workflowId}&limit=100`).then((r) => r.body.executions as any[]);

  it('debounce: a burst for one account starts once, with the last event; two accounts start twice', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push(await send({ type: 'account.changed', data: { accountId: 'a-1', n: i } }));
    await send({ type: 'account.changed', data: { accountId: 'a-2' } });

    const { executions } = await engine.waitFor('/executions?workflowId=sync_account', (b) => ended(b, 2));

    const forA1 = executions.filter((e: any) => e.eventId !== ids.at(-1) && ids.includes(e.eventId));
    expect(forA1).toEqual([]); // only the last event of a-1 started anything
    expect(executions.map((e: any) => e.eventId)).toContain(ids.at(-1));
    expect(executions.every((e: any) => e.status === 'SUCCEEDED')).toBe(true);
    const skipped = await engine.get(`/events/${ids[0]}/routing`);
    expect(skipped.body.rules.find((r: any) => r.rule === 'sync-account')).toMatchObject({ outcome: 'fired', flow: 'debounced' });
  });

  it('debounce maxWait: a burst that never goes quiet still starts within it, at most once per maxWait, the last start with the last event', async () => {
    // An event every 100 ms for 6 s: never 1.5 s of quiet, so without maxWait (2.5 s) nothing would start before the burst ends.
    const ids: string[] = [];
    let longestGap = 0;
    let bursting = true;
    let seenDuringBurst = 0;
    // Looked at beside the burst, so that looking does not slow it.
    const watching = (async () => {
      while (bursting) {
        // A window waiting is listed too, as QUEUED: only a start counts.
        seenDuringBurst = (await executionsOf('burst_sync')).filter((e) => e.status !== 'QUEUED').length;
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    const started = Date.now();
    let last: number | undefined;
    for (let i = 0; i < 60; i++) {
      ids.push(await send({ type: 'account.burst', data: { accountId: 'busy', n: i } }));
      if (last !== undefined) longestGap = Math.max(longestGap, Date.now() - last);
      last = Date.now();
      await new Promise((r) => setTimeout(r, 100));
    }
    bursting = false;
    await watching;
    const burstMs = Date.now() - started;
    // The quiet after the burst ends the last window, a period later.
    await engine.waitFor('/executions?workflowId=burst_sync', (b) => b.executions?.some((e: any) => e.eventId === ids.at(-1) && e.status === 'SUCCEEDED'));

    const starts = (await executionsOf('burst_sync')).sort((a, b) => a.startedAt.localeCompare(b.startedAt));
    expect(longestGap).toBeLessThan(1500); // the burst never went quiet for a period: only maxWait can have started anything in it
    expect(seenDuringBurst).toBeGreaterThanOrEqual(1);
    // A window under the burst closes maxWait after it opened: no more than one start per 2.5 s of burst, plus the last window.
    expect(starts.length).toBeLessThanOrEqual(Math.floor(burstMs / 2500) + 1);
    // Each start holds one event of the burst, later starts later events, and the last window the burst's last event.
    const positions = starts.map((e) => ids.indexOf(e.eventId));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(positions.at(-1)).toBe(ids.length - 1);
  });

  it('throttle: 2 per second over 6 events starts all, in event order, spread over at least 2 s', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(await send({ type: 'report.requested', data: { tenant: 'acme', n: i } }));

    await engine.waitFor('/executions?workflowId=build_report', (b) => ended(b, 6));

    const byStart = (await executionsOf('build_report')).sort((a, b) => a.startedAt.localeCompare(b.startedAt) || ids.indexOf(a.eventId) - ids.indexOf(b.eventId));
    expect(byStart.map((e) => e.eventId)).toEqual(ids);
    // The 5th start needs two full periods after the 1st: at most 2 starts in any second.
    expect(Date.parse(byStart[4].startedAt) - Date.parse(byStart[0].startedAt)).toBeGreaterThanOrEqual(2000);
  });

  it('concurrency 1: never two running for one tenant at any poll, and all eventually succeed', async () => {
    for (let i = 0; i < 3; i++) await send({ type: 'job.requested', data: { tenant: 't-1', n: i } });
    let most = 0;
    for (;;) {
      const executions = await executionsOf('run_job');
      most = Math.max(most, executions.filter((e) => e.status === 'RUNNING').length);
      if (executions.length === 3 && executions.every((e) => e.status === 'SUCCEEDED')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(most).toBe(1);
  }, 20_000);

  it('rateLimit 1 per hour: 1 started, 4 skipped, counted and explained', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await send({ type: 'user.registered', data: { userId: 'u-1', n: i } }));
    await engine.waitFor('/health', (b) => b.events?.unrouted === 0);

    await engine.waitFor('/executions?workflowId=welcome_user', (b) => ended(b, 1));

    const metrics = await fetch(`${engine.url}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/edwe_triggers_skipped_total\{rule="welcome",reason="rate_limited"\} 4/);
    const explained = await Promise.all(ids.map((id) => engine.get(`/events/${id}/routing`)));
    expect(explained.filter((r) => r.body.rules.find((x: any) => x.rule === 'welcome')?.flow === 'rate_limited')).toHaveLength(4);
  });

  it('batch: a full batch starts with its events, the rest is flushed at the timeout', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(await send({ type: 'row.imported', data: { tenant: 'acme', row: i } }));

    await engine.waitFor('/executions?workflowId=import_rows', (b) => ended(b, 2));

    const names = (await executionsOf('import_rows')).map((e) => e.name);
    const inputs = await Promise.all(names.map(async (name) => (await engine.get(`/executions/${name}`)).body.output?.events?.map((e: any) => e.id)));
    expect(inputs.sort((a, b) => b.length - a.length)).toEqual([ids.slice(0, 3), ids.slice(3)]);
  });

  it('cancelOn: the correlation’s running execution ends ABORTED and its queued one is dropped; others are untouched', async () => {
    await send({ type: 'order.placed', correlationId: 'c-1', data: { customer: 'x' } });
    await send({ type: 'order.placed', correlationId: 'c-1', data: { customer: 'x' } });
    await send({ type: 'order.placed', correlationId: 'c-2', data: { customer: 'y' } });
    await engine.waitFor(
      '/executions?correlationId=c-1',
      (b) =>
        b.executions
          ?.map((e: any) => e.status)
          .sort()
          .join() === 'QUEUED,RUNNING',
    );

    await send({ type: 'order.cancelled', correlationId: 'c-1', data: {} });

    const c1 = await engine.waitFor('/executions?correlationId=c-1', (b) =>
      b.executions?.filter((e: any) => e.workflowId === 'fulfil_order').every((e: any) => e.status === 'ABORTED'),
    );
    expect(c1.executions.filter((e: any) => e.workflowId === 'fulfil_order')).toHaveLength(2);
    const c2 = await engine.waitFor('/executions?correlationId=c-2', (b) => b.executions?.[0]?.status === 'SUCCEEDED');
    expect(c2.executions).toHaveLength(1);
  });

  it('stop of a QUEUED execution through the API: ABORTED with its workflow.aborted event, and its trigger never starts', async () => {
    await send({ type: 'order.placed', correlationId: 'c-3', data: { customer: 'z' } });
    await send({ type: 'order.placed', correlationId: 'c-3', data: { customer: 'z' } });
    const held = await engine.waitFor('/executions?correlationId=c-3', (b) => b.executions?.some((e: any) => e.status === 'QUEUED') && b.executions.length === 2);
    const queued = held.executions.find((e: any) => e.status === 'QUEUED').name as string;
    const running = held.executions.find((e: any) => e.status === 'RUNNING').name as string;

    const stopped = await engine.post(`/executions/${queued}/stop`, {});

    expect(stopped.status).toBe(200);
    expect(stopped.body).toMatchObject({ name: queued, status: 'ABORTED', error: { error: 'edwe.Stopped' } });
    expect((await engine.get(`/events/${queued}.aborted`)).body).toMatchObject({ type: 'workflow.aborted', data: { executionName: queued } });
    // The running one ends; its freed slot would have started the queued trigger, had it still been waiting.
    await engine.waitFor(`/executions/${running}`, (b) => b.status === 'SUCCEEDED');
    await engine.waitFor('/executions?correlationId=c-3', (b) => b.executions?.length === 2);
    expect((await engine.get(`/executions/${queued}`)).body).toMatchObject({ status: 'ABORTED' });
    expect((await engine.post(`/executions/${queued}/stop`, {})).status).toBe(409);
  });
});

// Periods long enough that the kill surely comes while the debounce window is open and the throttle queue waits.
const SLOW_RULES = RULES.replace('period: 1s, key: data.accountId', 'period: 3s, key: data.accountId').replace('limit: 2, period: 1s', 'limit: 1, period: 3s');

describe('flow control across a SIGKILL (embedded)', () => {
  const dir = project(SLOW_RULES);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('starts a pending debounce and a waiting throttle queue exactly once after a restart', async () => {
    const db = join(dir, 'events.db');
    let engine = await startEngine(args(dir, db));
    for (let i = 0; i < 3; i++) await engine.post('/events', { type: 'account.changed', source: 'e2e', data: { accountId: 'k-1', n: i } });
    for (let i = 0; i < 3; i++) await engine.post('/events', { type: 'report.requested', source: 'e2e', data: { tenant: 'k', n: i } });
    await engine.waitFor('/executions?status=QUEUED', (b) => b.executions?.length >= 3);
    await engine.stop('SIGKILL');

    engine = await startEngine(args(dir, db));
    try {
      const debounced = await engine.waitFor('/executions?workflowId=sync_account', (b) => ended(b, 1), 30_000);
      const throttled = await engine.waitFor('/executions?workflowId=build_report', (b) => ended(b, 3), 30_000);
      await new Promise((r) => setTimeout(r, 1500)); // a second start, were there one, would have come by now
      expect((await engine.get('/executions?workflowId=sync_account')).body.executions).toHaveLength(debounced.executions.length);
      expect((await engine.get('/executions?workflowId=build_report')).body.executions).toHaveLength(throttled.executions.length);
      expect(throttled.executions.every((e: any) => e.status === 'SUCCEEDED')).toBe(true);
    } finally {
      await engine.stop();
    }
  }, 90_000);
});
