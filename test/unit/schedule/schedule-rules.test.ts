import { describe, expect, it } from 'vitest';
import { compileRules, formatIssue, parseRules } from '../../../lambdas/core/index.js';
import { event, issuesOf, yaml } from '../rules/helpers.js';

const NIGHTLY = yaml(
  'rules:',
  '  - id: nightly-report',
  '    schedule: "cron(0 2 * * ? *)"',
  '    timezone: Europe/Berlin',
  '    catchUp: all',
  '    workflow: build_report',
  '    data: { kind: nightly }',
);

/** A schedule rule with the given extra lines. */
const scheduled = (...lines: string[]) => yaml('rules:', '  - id: tick', '    workflow: build_report', ...lines.map((l) => `    ${l}`));
const firstIssue = (text: string) => formatIssue(issuesOf(text, 'rules/s.yaml')[0] as never);

describe('schedule rules', () => {
  it('reads schedule, timezone, catchUp and data, and listens to its own fires only', () => {
    const [rule] = parseRules(NIGHTLY, 'rules/nightly.yaml');
    expect(rule).toMatchObject({
      id: 'nightly-report',
      schedule: 'cron(0 2 * * ? *)',
      timezone: 'Europe/Berlin',
      catchUp: 'all',
      data: { kind: 'nightly' },
      eventType: 'schedule.fired',
      pattern: { source: ['edwe.scheduler'], data: { ruleId: ['nightly-report'] } },
    });
  });

  it('defaults the zone to UTC and catchUp to latest', () => {
    const [rule] = parseRules(scheduled('schedule: rate(5 minutes)'), 'rules/s.yaml');
    expect(rule).toMatchObject({ schedule: 'rate(5 minutes)', timezone: 'UTC', catchUp: 'latest' });
    expect(rule?.data).toBeUndefined();
  });

  it('routes a fire of its own schedule to its workflow, and nothing else', () => {
    const rules = parseRules(yaml('rules:', '  - { id: a, schedule: rate(1 minute), workflow: wa }', '  - { id: b, schedule: rate(1 minute), workflow: wb }'), 'r.yaml');
    const set = compileRules(rules);
    const fire = (ruleId: string, source = 'edwe.scheduler') => event({ ruleId, scheduledTime: '2026-01-01T00:00:00Z' }, { type: 'schedule.fired', source });
    expect(set.route(fire('a')).map((r) => r.id)).toEqual(['a']);
    expect(set.route(fire('b')).map((r) => r.id)).toEqual(['b']);
    expect(set.route(fire('a', 'someone-else'))).toEqual([]);
  });

  it.each([
    ['schedule: "cron(0 2 * * *)"', 'rules/s.yaml:4:15: rule "tick", schedule: invalid cron expression: a cron expression has six fields'],
    ['schedule: rate(5 minute)', 'rules/s.yaml:4:15: rule "tick", schedule: invalid rate expression "rate(5 minute)": write rate(5 minutes)'],
    ['schedule: 42', 'rule "tick", schedule: must be "cron('],
  ])('locates a bad expression: %s', (line, expected) => {
    expect(firstIssue(scheduled(line))).toContain(expected);
  });

  it('locates an unknown time zone and a bad catchUp', () => {
    expect(firstIssue(scheduled('schedule: rate(1 hour)', 'timezone: Europe/Atlantis'))).toBe(
      'rules/s.yaml:5:15: rule "tick", timezone: unknown time zone "Europe/Atlantis"; use an IANA name such as "Europe/Berlin" or "UTC"',
    );
    expect(firstIssue(scheduled('schedule: rate(1 hour)', 'catchUp: sometimes'))).toBe(
      'rules/s.yaml:5:14: rule "tick", catchUp: must be one of none, latest, all, got "sometimes"',
    );
  });

  it('refuses eventType (or all, or pattern) beside schedule', () => {
    expect(firstIssue(scheduled('schedule: rate(1 hour)', 'eventType: order.created'))).toBe(
      'rules/s.yaml:5:5: rule "tick": a rule with "schedule" fires on its schedule; leave out "eventType"',
    );
    expect(firstIssue(scheduled('schedule: rate(1 hour)', 'pattern: { source: [x] }'))).toContain('leave out "pattern"');
  });

  it('refuses timezone, catchUp or data without a schedule', () => {
    const text = yaml('rules:', '  - id: r', '    eventType: order.created', '    workflow: w', '    timezone: UTC');
    expect(firstIssue(text)).toBe('rules/s.yaml:5:5: rule "r": "timezone" goes with "schedule" (a cron or rate expression)');
  });

  it('refuses data that is not a mapping or that sets what each fire sets', () => {
    expect(firstIssue(scheduled('schedule: rate(1 hour)', 'data: [1, 2]'))).toContain('data: must be a mapping');
    expect(firstIssue(scheduled('schedule: rate(1 hour)', 'data: { ruleId: other }'))).toContain('must not set ruleId or scheduledTime');
  });
});
