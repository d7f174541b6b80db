import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngine, type EngineProcess } from '../support/engine-process.js';

const RULES = `rules:
  - id: confirm-every-minute
    schedule: rate(1 minute)
    workflow: send_confirmation
    data: { orderId: scheduled-batch }
  - id: confirm-on-demand
    eventType: order.confirmed
    workflow: send_confirmation
`;

describe('edwe dev with a schedule rule (over HTTP)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'schedules-e2e-'));
  let engine: EngineProcess;

  beforeAll(async () => {
    writeFileSync(join(dir, 'schedules.yaml'), RULES);
    engine = await startEngine(['--memory', '--rules', dir, '--log-level', 'warn']);
  });
  afterAll(async () => {
    await engine?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fires the rule now on POST /rules/{id}/trigger: a schedule.fired event stored, its workflow SUCCEEDED', async () => {
    const posted = await engine.post('/rules/confirm-every-minute/trigger', undefined);
    expect(posted.status).toBe(202);
    expect(posted.body.id).toMatch(/^confirm-every-minute@manual-[0-9A-Z]{26}$/);

    const stored = await engine.get(`/events/${posted.body.id}`);
    expect(stored.status).toBe(200);
    expect(stored.body).toMatchObject({
      id: posted.body.id,
      type: 'schedule.fired',
      source: 'edwe.scheduler',
      data: { ruleId: 'confirm-every-minute', scheduledTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/), orderId: 'scheduled-batch' },
    });
    const { executions } = await engine.waitFor(`/executions?eventId=${posted.body.id}`, (b) => b.executions?.[0]?.status === 'SUCCEEDED');
    expect(executions).toEqual([expect.objectContaining({ workflowId: 'send_confirmation', ruleId: 'confirm-every-minute', status: 'SUCCEEDED' })]);
  });

  it('lists a schedule rule with its next three fire times, a minute apart', async () => {
    const { body } = await engine.get('/rules');
    const scheduled = body.rules.find((r: { id: string }) => r.id === 'confirm-every-minute');
    expect(scheduled).toMatchObject({ schedule: 'rate(1 minute)', timezone: 'UTC', catchUp: 'latest', eventType: 'schedule.fired' });
    const fires = (scheduled.nextFires as string[]).map((t) => Date.parse(t));
    expect(fires).toHaveLength(3);
    expect([fires[1]! - fires[0]!, fires[2]! - fires[1]!]).toEqual([60_000, 60_000]);
    expect(body.rules.find((r: { id: string }) => r.id === 'confirm-on-demand').nextFires).toBeUndefined();
  });

  it('answers 404 for an unknown rule and 409 for a rule without a schedule', async () => {
    const unknown = await engine.post('/rules/no-such-rule/trigger', undefined);
    expect(unknown.status).toBe(404);
    const plain = await engine.post('/rules/confirm-on-demand/trigger', undefined);
    expect(plain.status).toBe(409);
    expect(plain.body.message).toBe('Rule "confirm-on-demand" has no schedule; only a schedule rule can be triggered');
  });
});
