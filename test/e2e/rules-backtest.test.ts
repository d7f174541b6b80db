import { beforeAll, describe, expect, it } from 'vitest';
import { useEngine } from '../support/engine-process.js';

// Three days ago at a whole hour: inside the retention window, and fixed for the whole file.
const BASE = Math.floor((Date.now() - 3 * 86_400_000) / 3_600_000) * 3_600_000;
const at = (minute: number) => new Date(BASE + minute * 60_000).toISOString();
const registration = (id: string, minute: number, userType: string) => ({
  id,
  type: 'user_registration',
  source: 'backtest-test',
  timestamp: at(minute),
  data: { userId: id, email: `${id}@example.com`, user_type: userType },
});
/** The project's own premium rule, as JSON. */
const PREMIUM = {
  id: 'premium-onboarding',
  eventType: 'user_registration',
  workflow: 'onboarding_workflow',
  priority: 100,
  conditions: [{ field: 'user_type', value: 'premium' }],
};

describe('POST /rules/test in the embedded engine', () => {
  const engine = useEngine();

  beforeAll(async () => {
    const events = Array.from({ length: 30 }, (_, i) => registration(`bt-${String(i).padStart(2, '0')}`, i * 2, i % 3 === 0 ? 'premium' : 'free'));
    await engine.post('/events', events);
    await engine.waitFor('/health', (b) => b.executionsRunning === 0 && b.events.unrouted === 0);
  });

  it("counts what a replay dry run over the same window counts, with the same event ids, in the answer's shape", async () => {
    const window = { from: at(10), to: at(50) };
    const replay = await engine.post('/replays', { startTime: window.from, endTime: window.to, workflowId: 'onboarding_workflow', dryRun: true });
    const job = await engine.waitFor(`/replays/${replay.body.replayId}`, (b) => b.status !== 'running');

    const backtest = await engine.post('/rules/test', { rule: PREMIUM, ...window });

    expect(backtest.status).toBe(200);
    expect(backtest.body).toEqual({ scanned: job.scanned, matched: job.matched, workflows: { onboarding_workflow: job.matched }, eventIds: job.eventIds });
    expect(job.matched).toBeGreaterThan(0);
  });

  it('answers for a changed candidate, and starts nothing', async () => {
    const before = (await engine.get('/executions?workflowId=onboarding_workflow&limit=1000')).body.executions.length;

    const { body } = await engine.post('/rules/test', { rule: { ...PREMIUM, conditions: [{ field: 'user_type', value: 'free' }] }, from: at(0), to: at(60) });

    expect(body).toMatchObject({ scanned: 30, matched: 20, workflows: { onboarding_workflow: 20 } });
    expect(body.eventIds).toHaveLength(20);
    expect((await engine.get('/executions?workflowId=onboarding_workflow&limit=1000')).body.executions).toHaveLength(before);
  });

  it('answers 400 naming the JSON path of a problem in the candidate', async () => {
    const { status, body } = await engine.post('/rules/test', { rule: { ...PREMIUM, conditions: [{ field: 'user_type', op: 'gt', value: 'x' }] }, from: at(0), to: at(60) });

    expect(status).toBe(400);
    expect(body.details).toEqual([{ path: 'rule.conditions[0].value', message: 'gt needs a number, got the string "x"' }]);
  });
});
