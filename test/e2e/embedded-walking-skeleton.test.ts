import { describe, expect, it } from 'vitest';
import { loadProject } from '../../lambdas/project/load-project.js';
import { registration, useEngine } from '../support/engine-process.js';

describe('edwe dev (embedded, over HTTP)', () => {
  const engine = useEngine(['--memory']);

  it('answers /health with the loaded rules and workflows', async () => {
    const health = await engine.get('/health');

    const project = loadProject();

    expect(health).toEqual({
      status: 200,
      body: { status: 'ok', rules: project.rules.length, workflows: project.workflows.size, events: { stored: 0, unrouted: 0 }, executionsRunning: 0 },
    });
    expect(project.workflows.has('onboarding_workflow')).toBe(true);
  });

  it("runs the seed's example to a SUCCEEDED onboarding execution whose output shows what it did", async () => {
    const posted = await engine.post('/events', registration({}, { userId: 'u-100' }));
    expect(posted.status).toBe(202);
    const eventId = posted.body.id as string;

    const { executions } = await engine.waitFor(`/executions?eventId=${eventId}`, (b) => b.executions?.[0]?.status === 'SUCCEEDED');
    expect(executions).toHaveLength(1);
    const execution = await engine.get(`/executions/${executions[0].name}`);

    expect(execution.body).toMatchObject({
      workflowId: 'onboarding_workflow',
      ruleId: 'premium-onboarding',
      eventId,
      correlationId: eventId,
      status: 'SUCCEEDED',
      output: {
        userId: 'u-100',
        tier: 'premium',
        accountManager: { name: expect.any(String) },
        welcome: { to: 'ada@example.com', template: 'welcome-premium' },
      },
    });
    expect(execution.body.name).toMatch(/^premium-onboarding-[0-9a-f]{16}$/);
    expect(Date.parse(execution.body.stoppedAt)).toBeGreaterThanOrEqual(Date.parse(execution.body.startedAt));
  });

  it('stores the event as sent, with the id and timestamp it assigned', async () => {
    const posted = await engine.post('/events', registration({ correlationId: 'signup-7' }));

    const stored = await engine.get(`/events/${posted.body.id}`);

    expect(stored.status).toBe(200);
    expect(stored.body).toEqual({ ...registration({ correlationId: 'signup-7' }), id: posted.body.id, timestamp: expect.stringMatching(/Z$/) });
  });

  it('starts no execution for a user who is not premium', async () => {
    const posted = await engine.post('/events', registration({}, { user_type: 'free' }));
    expect(posted.status).toBe(202);

    await engine.waitFor('/health', () => engine.logs.some((l) => l.message === 'event routed' && l.eventId === posted.body.id));
    const { body } = await engine.get(`/executions?eventId=${posted.body.id}`);

    expect(body).toEqual({ executions: [] });
  });

  it('answers 400 naming the problem, and stores nothing, for a body that is not JSON', async () => {
    const received = engine.logs.filter((l) => l.message === 'event received').length;

    const answer = await engine.post('/events', '{"type": "user_registration",');

    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('validation_error');
    expect(answer.body.message).toMatch(/not valid JSON/);
    expect(engine.logs.filter((l) => l.message === 'event received')).toHaveLength(received);
  });

  it('answers 400 with the path "type" for an event without a type, and stores nothing', async () => {
    const answer = await engine.post('/events', { id: 'no-type-1', source: 'web-app', data: {} });

    expect(answer.status).toBe(400);
    expect(answer.body.details).toEqual([{ path: 'type', message: 'required' }]);
    expect((await engine.get('/events/no-type-1')).status).toBe(404);
  });

  it('stores an event posted twice with the same id once, and starts one execution', async () => {
    const event = registration({ id: 'dup-evt-1' }, { userId: 'u-dup' });

    const first = await engine.post('/events', event);
    const second = await engine.post('/events', event);

    expect(first).toEqual({ status: 202, body: { id: 'dup-evt-1' } });
    expect(second).toEqual({ status: 202, body: { id: 'dup-evt-1', duplicate: true } });
    const { executions } = await engine.waitFor('/executions?eventId=dup-evt-1', (b) => b.executions?.[0]?.status === 'SUCCEEDED');
    // Idle: every stored event routed and no execution running, so a second execution could no longer appear.
    await engine.waitFor('/health', (b) => b.events?.unrouted === 0 && b.executionsRunning === 0);
    expect((await engine.get('/executions?eventId=dup-evt-1')).body.executions).toHaveLength(1);
    expect(executions).toHaveLength(1);
    expect(engine.logs.filter((l) => l.message === 'event routed' && l.eventId === 'dup-evt-1')).toHaveLength(1);
  });

  it('writes one structured log line per event received, execution started, event routed and execution finished — in the order the router works, as on AWS', async () => {
    const posted = await engine.post('/events', registration({ id: 'logged-1' }));
    await engine.waitFor('/executions?eventId=logged-1', (b) => b.executions?.[0]?.status === 'SUCCEEDED');
    // The end is logged once its lifecycle event is stored too, a moment after the record shows it.
    await engine.waitFor('/health', () => engine.logs.some((l) => l.message === 'execution finished' && l.eventId === posted.body.id));

    const lines = engine.logs.filter((l) => l.eventId === posted.body.id).map((l) => l.message);

    expect(lines).toEqual(['event received', 'execution started', 'event routed', 'execution finished']);
  });

  it('answers 404 in the error shape for an unknown event or execution', async () => {
    expect(await engine.get('/events/nope')).toEqual({ status: 404, body: { error: 'not_found', message: 'No event with id "nope"', details: [] } });
    expect((await engine.get('/executions/nope')).status).toBe(404);
  });
});
