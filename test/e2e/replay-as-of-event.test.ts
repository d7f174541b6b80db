import { describe, expect, it } from 'vitest';
import { useEngine } from '../support/engine-process.js';

const registration = (id: string, userType: string, timestamp?: string) => ({
  id,
  type: 'user_registration',
  source: 'as-of-test',
  ...(timestamp === undefined ? {} : { timestamp }),
  data: { userId: id, email: `${id}@example.com`, user_type: userType },
});

describe('a replay with the rules of the time (embedded)', () => {
  const engine = useEngine();

  it('routes the events before and after a rule change differently, as the versions say; today’s rules route them alike', async () => {
    const before = new Date(Date.now() - 60_000).toISOString();
    await engine.post('/events', [registration('asof-free-before', 'free', before), registration('asof-premium-before', 'premium', before)]);
    const created = await fetch(`${engine.url}/rules/free-onboarding`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ eventType: 'user_registration', workflow: 'onboarding_workflow', conditions: [{ field: 'user_type', value: 'free' }] }),
    });
    expect(created.status).toBe(201);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await engine.post('/events', [registration('asof-free-after', 'free')]);
    const window = { startTime: new Date(Date.now() - 120_000).toISOString(), endTime: new Date(Date.now() + 60_000).toISOString() };
    const replay = async (rules?: string) => {
      const { status, body } = await engine.post('/replays', { ...window, workflowId: 'onboarding_workflow', dryRun: true, ...(rules === undefined ? {} : { rules }) });
      expect(status).toBe(202);
      return engine.waitFor(`/replays/${body.replayId}`, (b) => b.status !== 'running');
    };

    const asOf = await replay('as-of-event');
    const current = await replay();

    expect(asOf.status).toBe('completed');
    expect(new Set(asOf.eventIds)).toEqual(new Set(['asof-premium-before', 'asof-free-after']));
    expect(new Set(current.eventIds)).toEqual(new Set(['asof-premium-before', 'asof-free-before', 'asof-free-after']));
  });

  it('refuses an unknown rules mode, naming the field', async () => {
    const now = Date.now();
    const { status, body } = await engine.post('/replays', { startTime: new Date(now - 60_000).toISOString(), endTime: new Date(now).toISOString(), rules: 'yesterday' });

    expect(status).toBe(400);
    expect(body.details).toEqual([{ path: 'rules', message: 'must be "current" or "as-of-event"' }]);
  });
});
