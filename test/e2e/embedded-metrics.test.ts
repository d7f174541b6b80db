/**
 * `GET /metrics` of a running `edwe dev` with the seed's configuration, scraped over real HTTP and read by a strict
 * Prometheus text parser: the names and labels docs/operations.md lists, with the counts the traffic implies.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registration, startEngine, type EngineProcess } from '../support/engine-process.js';
import { parsePrometheusText, sampleValue, type MetricFamily } from '../support/prometheus-text.js';

const CONFIG = `event_driven_workflow_engine:
  trigger_rules:
    - event_type: "user_registration"
      workflow: "onboarding_workflow"
      conditions:
        - field: "user_type"
          value: "premium"
  real_time_execution:
    enabled: true
    max_latency: "100ms"
`;
const RULE = 'user-registration-onboarding-workflow';

describe('edwe dev: GET /metrics', () => {
  const dir = mkdtempSync(join(tmpdir(), 'edwe-metrics-'));
  let engine: EngineProcess;
  let families: Map<string, MetricFamily>;
  let contentType: string | null;

  beforeAll(async () => {
    writeFileSync(join(dir, 'edwe.config.yaml'), CONFIG);
    engine = await startEngine(['--memory', '--rules', dir, '--log-level', 'warn']);
    await engine.post('/events', registration({ id: 'm-ok', correlationId: 'm-corr' }));
    await engine.post('/events', registration({ id: 'm-bad', correlationId: 'm-corr' }, { email: 'not-an-email' }));
    await engine.post('/events', { id: 'm-noise', type: 'noise', source: 'elsewhere' });
    await engine.waitFor('/executions?correlationId=m-corr', (b) => b.executions?.length === 2 && b.executions.every((e: { status: string }) => e.status !== 'RUNNING'));
    await engine.waitFor('/health', (b) => b.events.unrouted === 0 && b.events.stored === 7);
    const response = await fetch(`${engine.url}/metrics`);
    contentType = response.headers.get('content-type');
    families = parsePrometheusText(await response.text());
  });
  afterAll(async () => {
    await engine?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const value = (name: string, labels: Record<string, string> = {}) => sampleValue(families, name, labels);

  it('answers the Prometheus text format, every name prefixed edwe_', () => {
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect([...families.keys()].filter((name) => !name.startsWith('edwe_'))).toEqual([]);
  });

  it('counts events received by source and type, routed, and matched by rule', () => {
    expect(value('edwe_events_received_total', { source: 'web-app', type: 'user_registration' })).toBe(2);
    expect(value('edwe_events_received_total', { source: 'elsewhere', type: 'noise' })).toBe(1);
    // The engine's own lifecycle events are stored and routed, not received.
    expect(value('edwe_events_received_total', { source: 'edwe.workflows', type: 'workflow.started' })).toBe(0);
    expect(value('edwe_events_routed_total')).toBe(7);
    expect(value('edwe_rule_matches_total', { rule: RULE })).toBe(2);
  });

  it('counts executions started and finished by workflow and status, with their durations', () => {
    expect(value('edwe_executions_started_total', { workflow: 'onboarding_workflow' })).toBe(2);
    expect(value('edwe_executions_finished_total', { workflow: 'onboarding_workflow', status: 'SUCCEEDED' })).toBe(1);
    expect(value('edwe_executions_finished_total', { workflow: 'onboarding_workflow', status: 'FAILED' })).toBe(1);
    expect(value('edwe_execution_duration_seconds_count', { workflow: 'onboarding_workflow' })).toBe(2);
  });

  it('observes routing and start latencies, and counts the starts that missed max_latency', () => {
    expect(families.get('edwe_routing_latency_seconds')?.type).toBe('histogram');
    expect(value('edwe_routing_latency_seconds_count')).toBe(7);
    expect(value('edwe_start_latency_seconds_count')).toBe(2);
    expect(families.get('edwe_start_latency_objective_missed_total')?.type).toBe('counter');
    // Each start that missed the objective was slower than 100 ms: at most every start did.
    const missed = value('edwe_start_latency_objective_missed_total');
    expect(missed).toBeLessThanOrEqual(2);
    expect(value('edwe_start_latency_seconds_bucket', { le: '0.1' })).toBe(2 - missed);
  });

  it('shows correlation metrics: the active correlations, and the per-correlation histograms', () => {
    expect(value('edwe_correlations_active')).toBeGreaterThanOrEqual(1);
    for (const name of ['edwe_correlation_events', 'edwe_correlation_workflows', 'edwe_correlation_span_seconds']) expect(families.get(name)?.type).toBe('histogram');
  });
});
