import { describe, expect, it } from 'vitest';
import { registration, useEngine } from '../support/engine-process.js';

const TOKEN = 'console-e2e-token';
const authorised = { authorization: `Bearer ${TOKEN}` };

describe('edwe dev serves the web console and what it reads', () => {
  const engine = useEngine(['--memory', '--log-level', 'warn', '--token', TOKEN]);
  const get = async (path: string, headers: Record<string, string> = authorised) => {
    const response = await fetch(`${engine.url}${path}`, { headers });
    return { status: response.status, headers: response.headers, text: await response.text() };
  };
  const until = async (path: string, holds: (body: any) => boolean) => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const body = JSON.parse((await get(path)).text);
      if (holds(body)) return body;
      if (Date.now() > deadline) throw new Error(`timed out on GET ${path}: ${JSON.stringify(body)}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };

  it('serves the page, its script and its styles without the token, under a same-origin policy', async () => {
    const page = await get('/console', {});
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toMatch(/^default-src 'self';/);
    expect(page.text).toContain('<meta name="edwe-api" content="">');
    const script = await get('/console/app.js', {});
    expect([script.status, script.headers.get('content-type')]).toEqual([200, 'text/javascript; charset=utf-8']);
    expect(script.text).toContain('/events/stream');
    expect((await get('/console/styles.css', {})).status).toBe(200);
  });

  it('answers 404 for an asset it does not have, 405 for a write, and still guards the API', async () => {
    expect((await get('/console/secrets.json', {})).status).toBe(404);
    expect((await fetch(`${engine.url}/console`, { method: 'POST' })).status).toBe(405);
    expect((await get('/events', {})).status).toBe(401);
  });

  it("explains a stored event's routing: every rule, the one that fired first, with its reasons", async () => {
    const posted = await fetch(`${engine.url}/events`, {
      method: 'POST',
      headers: { ...authorised, 'content-type': 'application/json' },
      body: JSON.stringify(registration()),
    });
    const { id } = (await posted.json()) as { id: string };
    const answer = await get(`/events/${id}/routing`);
    expect(answer.status).toBe(200);
    const { eventId, rules } = JSON.parse(answer.text);
    expect(eventId).toBe(id);
    expect(rules[0]).toEqual({
      rule: 'premium-onboarding',
      workflow: 'onboarding_workflow',
      priority: 100,
      outcome: 'fired',
      reasons: ['eventType "user_registration"', 'user_type equals "premium" (value: "premium")'],
      correlationId: id,
    });
    expect(rules.slice(1).map((r: { outcome: string }) => r.outcome)).toEqual(['skipped', 'skipped']);
    expect((await get('/events/01NOSUCHEVENT000000000000/routing')).status).toBe(404);
  });

  it('records the states an execution passed through, the failing one marked', async () => {
    const posted = await fetch(`${engine.url}/events`, {
      method: 'POST',
      headers: { ...authorised, 'content-type': 'application/json' },
      body: JSON.stringify(registration({}, { email: 'not-an-email' })),
    });
    const { id } = (await posted.json()) as { id: string };
    const { executions } = await until(`/executions?eventId=${id}`, (b) => b.executions?.[0]?.status === 'FAILED');
    const execution = JSON.parse((await get(`/executions/${executions[0].name}`)).text);
    expect(execution.states.map((s: { name: string; status: string }) => `${s.name}:${s.status}`)).toEqual(['ValidateUser:FAILED', 'RejectRegistration:FAILED']);
    for (const step of execution.states) {
      expect(step.enteredAt >= execution.startedAt).toBe(true);
      expect(step.exitedAt >= step.enteredAt).toBe(true);
    }
  });
});
