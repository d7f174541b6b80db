import { describe, expect, it } from 'vitest';
import { byLabel, parsePrometheus, quantile, rate, sparklinePath, total } from '../../../console/src/metrics.js';

const EXPOSITION = `# HELP edwe_events_received_total Events received
# TYPE edwe_events_received_total counter
edwe_events_received_total{source="shop",type="order.placed"} 3
edwe_events_received_total{source="web-app",type="user_registration"} 2
edwe_rule_matches_total{rule="fulfil-order"} 3
edwe_rule_matches_total{rule="premium-onboarding"} 1
edwe_rule_matches_total{rule="premium-onboarding"} 1
edwe_label_escapes{path="a\\"b\\\\c\\nd"} 1 1700000000000
# TYPE edwe_routing_latency_seconds histogram
edwe_routing_latency_seconds_bucket{le="0.01"} 50
edwe_routing_latency_seconds_bucket{le="0.1"} 90
edwe_routing_latency_seconds_bucket{le="1"} 100
edwe_routing_latency_seconds_bucket{le="+Inf"} 100
edwe_routing_latency_seconds_sum 3.2
edwe_routing_latency_seconds_count 100
`;

describe('the console reading /metrics', () => {
  it('parses every sample with its labels, skipping comments', () => {
    const samples = parsePrometheus(EXPOSITION);
    expect(samples).toHaveLength(12);
    expect(samples[0]).toEqual({ name: 'edwe_events_received_total', labels: { source: 'shop', type: 'order.placed' }, value: 3 });
    expect(samples.find((s) => s.name === 'edwe_label_escapes')).toEqual({ name: 'edwe_label_escapes', labels: { path: 'a"b\\c\nd' }, value: 1 });
    expect(samples.find((s) => s.labels.le === '+Inf')?.value).toBe(100);
  });

  it('names the line that is not a sample', () => {
    expect(() => parsePrometheus('edwe_ok 1\nthis is not a sample\n')).toThrow(/line 2 is not a metric sample/);
    expect(() => parsePrometheus('edwe_bad{rule=unquoted} 1')).toThrow(/line 1 has malformed labels/);
  });

  it('sums a metric, narrowed by labels, and groups it by one label', () => {
    const samples = parsePrometheus(EXPOSITION);
    expect(total(samples, 'edwe_events_received_total')).toBe(5);
    expect(total(samples, 'edwe_events_received_total', { source: 'shop' })).toBe(3);
    expect(total(samples, 'edwe_missing_total')).toBe(0);
    expect(byLabel(samples, 'edwe_rule_matches_total', 'rule')).toEqual(
      new Map([
        ['fulfil-order', 3],
        ['premium-onboarding', 2],
      ]),
    );
  });

  it('turns two counter readings into a per-second rate, a restarted counter counting from zero', () => {
    expect(rate(10, 40, 3)).toBe(10);
    expect(rate(40, 6, 3)).toBe(2);
    expect(rate(1, 2, 0)).toBe(0);
  });

  it('interpolates a quantile inside its histogram bucket, and has none without observations', () => {
    const samples = parsePrometheus(EXPOSITION);
    expect(quantile(samples, 'edwe_routing_latency_seconds', 0.5)).toBeCloseTo(0.01);
    expect(quantile(samples, 'edwe_routing_latency_seconds', 0.95)).toBeCloseTo(0.1 + 0.9 * 0.5);
    expect(quantile(parsePrometheus('edwe_x_bucket{le="+Inf"} 0'), 'edwe_x', 0.95)).toBeUndefined();
  });

  it('draws a sparkline whose top is the largest value', () => {
    expect(sparklinePath([0, 5, 10], 100, 20)).toBe('M0.0,20.0 L50.0,10.0 L100.0,0.0');
    expect(sparklinePath([], 100, 20)).toBe('');
    expect(sparklinePath([0.5], 100, 20)).toBe('M0.0,10.0');
  });
});
