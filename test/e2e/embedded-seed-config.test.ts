import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngine, type EngineProcess } from '../support/engine-process.js';

/** The seed's configuration file, as written in its README. */
const SEED_CONFIG = `event_driven_workflow_engine:
  event_sources:
    - type: "kafka"
      topics: ["user-events", "system-events"]
    - type: "webhook"
      endpoints: ["/api/events"]
  trigger_rules:
    - event_type: "user_registration"
      workflow: "onboarding_workflow"
      conditions:
        - field: "user_type"
          value: "premium"
  event_sourcing:
    enabled: true
    retention: "7d"
    replay_enabled: true
  real_time_execution:
    enabled: true
    max_latency: "100ms"
`;

describe("edwe dev with the seed's configuration file", () => {
  const dir = mkdtempSync(join(tmpdir(), 'edwe-seed-config-'));
  let engine: EngineProcess;

  beforeAll(async () => {
    writeFileSync(join(dir, 'edwe.config.yaml'), SEED_CONFIG);
    engine = await startEngine(['--memory', '--rules', dir, '--log-level', 'warn']);
  });
  afterAll(async () => {
    await engine?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("routes the seed's example event posted to its webhook endpoint to onboarding_workflow", async () => {
    const posted = await engine.post('/api/events', { type: 'user_registration', source: 'webhook', data: { userId: 'u-seed', user_type: 'premium' } });

    expect(posted.status).toBe(202);
    const { executions } = await engine.waitFor(`/executions?eventId=${posted.body.id}`, (b) => b.executions?.[0]?.status === 'SUCCEEDED');
    expect(executions[0]).toMatchObject({ workflowId: 'onboarding_workflow', ruleId: 'user-registration-onboarding-workflow' });
  });

  it('applies the configured retention to replays', async () => {
    const answer = await engine.post('/replays', { startTime: new Date(Date.now() - 8 * 86_400_000).toISOString(), endTime: new Date().toISOString() });

    expect(answer.status).toBe(400);
    expect(answer.body.details).toContainEqual({ path: 'startTime', message: expect.stringMatching(/kept 7 days/) });
  });
});
