/**
 * `GET /executions` without an event or a correlation against a running `edwe dev`, over real HTTP: every
 * execution newest first, narrowed by workflow, status and start time, paged across more than one page.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { registration, useEngine } from '../support/engine-process.js';

interface Listed {
  name: string;
  eventId: string;
  workflowId: string;
  status: string;
  startedAt: string;
}

describe('edwe dev: listing executions by workflow and status', () => {
  const engine = useEngine();
  const names = (body: { executions: Listed[] }) => body.executions.map((e) => e.eventId);

  beforeAll(async () => {
    // One after another, so that their start times are in this order.
    for (let i = 0; i < 5; i++) {
      await engine.post('/events', registration({ id: `ok-${i}` }, { userId: `u-ok-${i}` }));
      await engine.waitFor(`/executions?eventId=ok-${i}&status=SUCCEEDED`, (b) => b.executions?.length === 1);
    }
    await engine.post('/events', registration({ id: 'bad-0' }, { email: 'not-an-email' }));
    await engine.waitFor('/executions?eventId=bad-0&status=FAILED', (b) => b.executions?.length === 1);
  });

  it('lists every execution newest first, without input or output', async () => {
    const { status, body } = await engine.get('/executions');

    expect(status).toBe(200);
    expect(names(body)).toEqual(['bad-0', 'ok-4', 'ok-3', 'ok-2', 'ok-1', 'ok-0']);
    expect(body.executions[1]).toEqual({
      name: expect.any(String),
      workflowId: 'onboarding_workflow',
      ruleId: 'premium-onboarding',
      ruleVersion: expect.any(String),
      eventId: 'ok-4',
      correlationId: 'ok-4',
      status: 'SUCCEEDED',
      startedAt: expect.any(String),
      stoppedAt: expect.any(String),
    });
    expect(body.cursor).toBeUndefined();
  });

  it('narrows by workflow and status', async () => {
    expect(names((await engine.get('/executions?status=FAILED')).body)).toEqual(['bad-0']);
    expect(names((await engine.get('/executions?workflowId=onboarding_workflow&status=SUCCEEDED&limit=2')).body)).toEqual(['ok-4', 'ok-3']);
    expect((await engine.get('/executions?workflowId=order_fulfilment')).body).toEqual({ executions: [] });
    expect((await engine.get('/executions?status=FAILED')).body.executions[0].error).toEqual(expect.objectContaining({ error: expect.any(String) }));
  });

  it('narrows by start time: from inclusive, to exclusive', async () => {
    const all: Listed[] = (await engine.get('/executions')).body.executions;
    const [newest, , middle] = all as [Listed, Listed, Listed];

    const since = await engine.get(`/executions?from=${encodeURIComponent(middle.startedAt)}`);
    const until = await engine.get(`/executions?to=${encodeURIComponent(newest.startedAt)}&from=${encodeURIComponent(middle.startedAt)}`);

    expect(names(since.body)).toEqual(['bad-0', 'ok-4', 'ok-3']);
    expect(names(until.body)).toEqual(['ok-4', 'ok-3']);
  });

  it('pages across more than one page with the cursor, losing and repeating nothing', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const { body } = await engine.get(`/executions?workflowId=onboarding_workflow&limit=4${cursor === undefined ? '' : `&cursor=${cursor}`}`);
      seen.push(...names(body));
      cursor = body.cursor;
      pages++;
    } while (cursor !== undefined && pages < 10);

    expect(pages).toBe(2);
    expect(seen).toEqual(['bad-0', 'ok-4', 'ok-3', 'ok-2', 'ok-1', 'ok-0']);
  });

  it('answers 400 naming limit above 1,000, an unknown status and an unknown parameter', async () => {
    const tooMany = await engine.get('/executions?limit=1001');
    const badStatus = await engine.get('/executions?status=DONE');
    const unknown = await engine.get('/executions?workflow=onboarding_workflow');

    expect(tooMany.status).toBe(400);
    expect(tooMany.body.details).toEqual([{ path: 'limit', message: 'must be an integer from 1 to 1000' }]);
    expect(badStatus.body.details).toEqual([{ path: 'status', message: 'must be one of QUEUED, RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED' }]);
    expect(unknown.body.details).toEqual([{ path: 'workflow', message: 'unknown query parameter' }]);
  });
});
