import { beforeAll, describe, expect, it } from 'vitest';
import { useEngine } from '../support/engine-process.js';

// Three days ago at a whole hour: inside the retention window, and fixed for the whole file.
const BASE = Math.floor((Date.now() - 3 * 86_400_000) / 3_600_000) * 3_600_000;
const hour = (h: number, m = 0) => new Date(BASE + h * 3_600_000 + m * 60_000).toISOString();
const premium = (id: string, timestamp: string) => ({
  id,
  type: 'user_registration',
  source: 'replay-test',
  timestamp,
  data: { userId: id, email: `${id}@example.com`, user_type: 'premium' },
});
const free = (id: string, timestamp: string) => ({ id, type: 'user_registration', source: 'replay-test', timestamp, data: { userId: id, user_type: 'free' } });

describe('replays in the embedded engine', () => {
  const engine = useEngine();

  beforeAll(async () => {
    await engine.post('/events', [
      premium('rp-before', hour(0, 59)),
      premium('rp-1', hour(1, 0)),
      free('rp-free', hour(1, 10)),
      premium('rp-2', hour(1, 30)),
      premium('rp-3', hour(1, 30)),
      premium('rp-after', hour(2, 0)),
    ]);
    for (const id of ['rp-before', 'rp-1', 'rp-2', 'rp-3', 'rp-after']) {
      await engine.waitFor(`/executions?eventId=${id}`, (b) => b.executions?.[0]?.status === 'SUCCEEDED');
    }
  });

  async function finished(replayId: string) {
    return engine.waitFor(`/replays/${replayId}`, (b) => b.status !== 'running');
  }

  it("re-runs the window's routed events as new executions marked with the replay id; the originals are untouched", async () => {
    const originals = (await engine.get('/executions?eventId=rp-1')).body.executions;

    const started = await engine.post('/replays', { startTime: hour(1), endTime: hour(2), workflowId: 'onboarding_workflow' });
    expect(started.status).toBe(202);
    const job = await finished(started.body.replayId);

    expect(job).toMatchObject({ status: 'completed', matched: 3, emitted: 3, failed: 0, scanned: 4, progress: 1, workflowId: 'onboarding_workflow' });
    const after = (await engine.get('/executions?eventId=rp-1')).body.executions;
    expect(after).toHaveLength(2);
    expect(after.find((e: { name: string }) => e.name === originals[0].name)).toEqual(originals[0]);
    const replayed = after.find((e: { name: string }) => e.name !== originals[0].name);
    expect(replayed.name).toMatch(/^premium-onboarding-r-[0-9a-f]{16}$/);
    await engine.waitFor(`/executions/${replayed.name}`, (b) => b.status === 'SUCCEEDED');
  });

  it('does not store replayed events again', async () => {
    const before = (await engine.get('/health')).body.events.stored;

    const { body } = await engine.post('/replays', { startTime: hour(0), endTime: hour(3) });
    await finished(body.replayId);

    expect((await engine.get('/health')).body.events.stored).toBe(before);
  });

  it('starts nothing on a dry run, and reports the counts and the event ids', async () => {
    const before = (await engine.get('/executions?eventId=rp-2')).body.executions;

    const { body } = await engine.post('/replays', { startTime: hour(1), endTime: hour(2), dryRun: true });
    const job = await finished(body.replayId);

    expect(job).toMatchObject({ status: 'completed', dryRun: true, matched: 3, emitted: 0, eventIds: ['rp-1', 'rp-2', 'rp-3'] });
    await engine.waitFor('/health', (b) => b.executionsRunning === 0);
    expect((await engine.get('/executions?eventId=rp-2')).body.executions).toEqual(before);
  });

  it('honours ratePerSecond', async () => {
    const t0 = Date.now();
    const { body } = await engine.post('/replays', { startTime: hour(0), endTime: hour(3), workflowId: 'onboarding_workflow', ratePerSecond: 10 });
    const job = await finished(body.replayId);

    expect(job.emitted).toBe(5);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(380);
  });

  it('can be cancelled', async () => {
    const { body } = await engine.post('/replays', { startTime: hour(0), endTime: hour(3), ratePerSecond: 1 });
    const cancelled = await fetch(`${engine.url}/replays/${body.replayId}`, { method: 'DELETE' });

    expect(cancelled.status).toBe(200);
    expect((await finished(body.replayId)).status).toBe('cancelled');
  });

  it.each([
    [{ startTime: hour(2), endTime: hour(1) }, 'endTime', /must be after startTime/],
    [{ startTime: new Date(Date.now() - 40 * 86_400_000).toISOString(), endTime: hour(1) }, 'startTime', /retention/],
    [{ startTime: hour(1), endTime: hour(2), workflowId: 'nope' }, 'workflowId', /unknown workflow/],
    [{ startTime: hour(1), endTime: hour(2), eventTypes: ['no.such.type'] }, 'eventTypes', /no rule listens/],
    [{ startTime: 'yesterday', endTime: hour(2) }, 'startTime', /ISO 8601/],
  ])('refuses %j with 400 naming %s, running nothing', async (request, path, message) => {
    const answer = await engine.post('/replays', request);

    expect(answer.status).toBe(400);
    expect(answer.body.details).toContainEqual({ path, message: expect.stringMatching(message) });
  });

  it('answers 404 for an unknown replay', async () => {
    expect((await engine.get('/replays/nope')).status).toBe(404);
  });
});
