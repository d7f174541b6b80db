import { describe, expect, it } from 'vitest';
import { compileRules, parseEngineConfig, parseEngineConfigValue, parseRules, parseRulesFile, RuleFileError } from '../../../lambdas/core/index.js';
import { issuesOf, SEED_CONFIG, seedEvent, event, yaml } from './helpers.js';

/** The seed configuration with its trigger rules replaced. */
const seedWithRules = (...ruleLines: string[]) => yaml('event_driven_workflow_engine:', '  trigger_rules:', ...ruleLines.map((l) => `    ${l}`));

describe("the seed's configuration file", () => {
  it('loads as written and routes the seed example event to onboarding_workflow', () => {
    const rules = parseRules(SEED_CONFIG, 'rules/edwe.config.yaml');

    const fired = compileRules(rules).route(seedEvent());

    expect(fired.map((r) => r.workflow)).toEqual(['onboarding_workflow']);
    expect(compileRules(rules).route(event({ user_type: 'basic' }))).toEqual([]);
  });

  it('gives the seed rule a deterministic id from its event type and workflow', () => {
    const [rule] = parseRules(SEED_CONFIG, 'a.yaml');

    expect(rule).toMatchObject({ id: 'user-registration-onboarding-workflow', eventType: 'user_registration', priority: 0, location: { line: 8, column: 7 } });
    expect(parseRules(SEED_CONFIG, 'b.yaml')[0]?.id).toBe(rule?.id);
  });

  it('keeps generated ids unique within the file', () => {
    const rules = parseRules(seedWithRules('- event_type: a', '  workflow: w', '- event_type: a', '  workflow: w', '- event_type: "*"', '  workflow: w'), 'c.yaml');

    expect(rules.map((r) => r.id)).toEqual(['a-w', 'a-w-2', 'any-w']);
  });

  it('reads the engine settings into a typed config', () => {
    const config = parseEngineConfig(SEED_CONFIG, 'rules/edwe.config.yaml');

    expect(config.eventSources).toEqual([
      { type: 'kafka', topics: ['user-events', 'system-events'] },
      { type: 'webhook', endpoints: ['/api/events'] },
    ]);
    expect(config.eventSourcing).toEqual({ enabled: true, retentionSeconds: 30 * 86_400, replayEnabled: true, encrypt: [] });
    expect(config.realTimeExecution).toEqual({ enabled: true, maxLatencyMs: 100 });
    expect(config.triggerRules).toHaveLength(1);
  });

  it('fills defaults for the blocks it leaves out', () => {
    const config = parseEngineConfig(seedWithRules('- event_type: a', '  workflow: w'), 'x.yaml');

    expect(config).toMatchObject({
      eventSources: [],
      eventSourcing: { enabled: true, retentionSeconds: 2_592_000, replayEnabled: true },
      realTimeExecution: { enabled: true },
    });
  });

  it("accepts the seed interface's spellings and the rule language's in trigger rules", () => {
    const rules = parseRules(
      seedWithRules('- id: one', '  eventType: a', '  workflowId: w', '  priority: 5', '- event_type: b', '  workflow_id: w', '  correlate_by: orderId', '  stop: true'),
      'x.yaml',
    );

    expect(rules.map((r) => [r.id, r.eventType, r.workflow, r.priority])).toEqual([
      ['one', 'a', 'w', 5],
      ['b-w', 'b', 'w', 0],
    ]);
    expect(rules[1]).toMatchObject({ correlateBy: 'orderId', stop: true });
  });

  it('rejects a setting written in two spellings', () => {
    const issues = issuesOf(seedWithRules('- event_type: a', '  eventType: b', '  workflow: w'));

    expect(issues[0]).toMatchObject({ line: 4, column: 7, message: expect.stringMatching(/"eventType" and "event_type" are the same setting/) });
  });

  it('reports unknown keys in every block, with suggestions in the seed spelling', () => {
    const issues = issuesOf(
      yaml('event_driven_workflow_engine:', '  event_sourcing:', '    replay_enabld: true', '  trigger_rule: []', '  event_sources:', '    - type: kafka', '      topic: [a]'),
    );

    expect(issues.map((i) => [i.line, i.message])).toEqual([
      [3, 'event_sourcing: unknown key "replay_enabld" (did you mean "replay_enabled"?)'],
      [4, 'event_driven_workflow_engine: unknown key "trigger_rule" (did you mean "trigger_rules"?)'],
      [6, 'event_sources[0] (kafka): missing "topics"'],
      [7, 'event_sources[0] (kafka): unknown key "topic" (did you mean "topics"?)'],
    ]);
  });

  it('checks event source types, durations and values', () => {
    const issues = issuesOf(
      yaml(
        'event_driven_workflow_engine:',
        '  event_sources:',
        '    - type: rabbitmq',
        '    - type: kinesis',
        '      mode: sometimes',
        '    - type: webhook',
        '      endpoints: ["api/events"]',
        '  event_sourcing:',
        '    retention: forever',
        '  real_time_execution:',
        '    max_latency: 100',
      ),
    );

    expect(issues.map((i) => i.line)).toEqual([3, 5, 7, 9, 11]);
    expect(issues[0]?.message).toMatch(/type: must be one of kafka, kinesis, webhook, eventbridge, got "rabbitmq"/);
    expect(issues[1]?.message).toMatch(/mode: must be one of on-demand, provisioned/);
    expect(issues[2]?.message).toMatch(/must be a path starting with "\/"/);
    expect(issues[3]?.message).toMatch(/retention: must be a duration such as "100ms", "12h" or "30d"/);
    expect(issues[4]?.message).toMatch(/max_latency: must be a duration/);
  });

  it('accepts real_time_execution: true as shorthand and a bare retention as days', () => {
    const config = parseEngineConfig(yaml('event_driven_workflow_engine:', '  real_time_execution: false', '  event_sourcing:', '    retention: 7'), 'x.yaml');

    expect(config.realTimeExecution).toEqual({ enabled: false });
    expect(config.eventSourcing.retentionSeconds).toBe(7 * 86_400);
  });

  it('rejects MSK and self-managed Kafka settings together', () => {
    const issues = issuesOf(
      yaml(
        'event_driven_workflow_engine:',
        '  event_sources:',
        '    - type: kafka',
        '      topics: [t]',
        '      cluster_arn: arn:aws:kafka:eu-west-1:1:cluster/x',
        '      bootstrap_servers: [b:9092]',
      ),
    );

    expect(issues[0]?.message).toMatch(/either cluster_arn \(MSK\) or bootstrap_servers/);
  });

  it('is told apart from a rules file, and a file cannot be both', () => {
    expect(parseRulesFile(SEED_CONFIG, 'x.yaml').config).toBeDefined();
    expect(issuesOf(`rules: []\n${SEED_CONFIG}`)[0]?.message).toMatch(/either a "rules:" list or the seed's/);
    expect(() => parseEngineConfig('rules: []\n', 'r.yaml')).toThrow(RuleFileError);
  });
});

describe('parseEngineConfigValue', () => {
  it("validates the seed's EventDrivenEngineConfig given in code (camelCase)", () => {
    const config = parseEngineConfigValue({
      eventSources: [{ type: 'kinesis', streamName: 'events', mode: 'provisioned', shardCount: 2 }],
      triggerRules: [{ eventType: 'user_registration', conditions: [{ field: 'user_type', value: 'premium' }], workflowId: 'onboarding_workflow', priority: 1 }],
      eventSourcing: { enabled: true, retention: '12h', replayEnabled: false },
      realTimeExecution: { enabled: true, maxLatency: '250ms' },
    });

    expect(config.eventSources).toEqual([{ type: 'kinesis', streamName: 'events', mode: 'provisioned', shardCount: 2 }]);
    expect(config.eventSourcing).toEqual({ enabled: true, retentionSeconds: 43_200, replayEnabled: false, encrypt: [] });
    expect(config.realTimeExecution).toEqual({ enabled: true, maxLatencyMs: 250 });
    expect(
      compileRules(config.triggerRules)
        .route(seedEvent())
        .map((r) => r.id),
    ).toEqual(['user-registration-onboarding-workflow']);
  });

  it('names the path of each problem', () => {
    try {
      parseEngineConfigValue({ triggerRules: [{ eventType: 'a', workflowId: 'w', priorty: 1 }] }, 'createEngine(config)');
      expect.unreachable();
    } catch (error) {
      expect((error as RuleFileError).issues[0]?.message).toBe('trigger_rules[0]: unknown key "priorty" (did you mean "priority"?)');
      expect((error as RuleFileError).issues[0]?.file).toBe('createEngine(config)');
    }
  });
});
