import { describe, expect, it } from 'vitest';
import { formatIssue, parseRules, parseRulesFile, RuleFileError } from '../../../lambdas/core/index.js';
import { issuesOf, yaml } from './helpers.js';

const DOCUMENTED_EXAMPLE = yaml(
  'rules:',
  '  - id: premium-onboarding            # unique, [a-z0-9-]',
  '    eventType: user_registration      # a type, a list of types, or "*"',
  '    workflow: onboarding_workflow',
  '    priority: 100',
  '    conditions:',
  '      - field: user_type',
  '        value: premium',
  '      - field: plan.seats',
  '        op: gte',
  '        value: 5',
  '    pattern:',
  '      source: [{ prefix: "web-" }]',
  '    stop: true',
  '    correlateBy: data.accountId',
  '    enabled: true',
);

/** One rule with the given extra lines (indented under the rule). */
const oneRule = (...lines: string[]) => yaml('rules:', '  - id: r', '    eventType: user_registration', '    workflow: onboarding_workflow', ...lines.map((l) => `    ${l}`));

describe('parseRules', () => {
  it('reads the documented example (docs/rules.md) with every key', () => {
    const [rule] = parseRules(DOCUMENTED_EXAMPLE, 'rules/example.yaml');

    expect(rule).toMatchObject({
      id: 'premium-onboarding',
      eventType: 'user_registration',
      workflow: 'onboarding_workflow',
      priority: 100,
      conditions: [
        { field: 'user_type', value: 'premium' },
        { field: 'plan.seats', op: 'gte', value: 5 },
      ],
      pattern: { source: [{ prefix: 'web-' }] },
      stop: true,
      correlateBy: '$.data.accountId',
      enabled: true,
      location: { file: 'rules/example.yaml', line: 2, column: 5 },
    });
  });

  it('fills the defaults: priority 0, no conditions, stop false, enabled true', () => {
    const [rule] = parseRules(oneRule(), 'r.yaml');

    expect(rule).toMatchObject({ priority: 0, conditions: [], stop: false, enabled: true });
    expect(rule).not.toHaveProperty('pattern');
  });

  it('accepts a list of event types and "*"', () => {
    const [list] = parseRules(yaml('rules:', '  - id: r', '    eventType: [a, b, a]', '    workflow: w'), 'r.yaml');
    const [any] = parseRules(yaml('rules:', '  - id: r', '    eventType: "*"', '    workflow: w'), 'r.yaml');

    expect(list?.eventType).toEqual(['a', 'b']);
    expect(any?.eventType).toBe('*');
  });

  it('reads an empty file as no rules', () => {
    expect(parseRules('', 'empty.yaml')).toEqual([]);
    expect(parseRules('# nothing yet\n', 'empty.yaml')).toEqual([]);
  });

  it('keeps a bare correlateBy path as a path into data and a data. path as the envelope', () => {
    expect(parseRules(oneRule('correlateBy: orderId'), 'r.yaml')[0]?.correlateBy).toBe('orderId');
    expect(parseRules(oneRule('correlateBy: data.orderId'), 'r.yaml')[0]?.correlateBy).toBe('$.data.orderId');
    expect(parseRules(oneRule('correlateBy: $.source'), 'r.yaml')[0]?.correlateBy).toBe('$.source');
  });
});

describe('parseRules errors', () => {
  it('reports an unknown key at the key, with the likely intended key', () => {
    const issues = issuesOf(oneRule('priorty: 100'), 'rules/onboarding.yaml');

    expect(issues).toEqual([expect.objectContaining({ file: 'rules/onboarding.yaml', line: 5, column: 5 })]);
    expect(issues[0]?.message).toContain('unknown key "priorty" (did you mean "priority"?)');
    expect(formatIssue(issues[0] as never)).toMatch(/^rules\/onboarding\.yaml:5:5: rule "r": unknown key "priorty"/);
  });

  it('lists the known keys when an unknown key is not a near miss', () => {
    expect(issuesOf(oneRule('colour: blue'))[0]?.message).toMatch(
      /unknown key "colour" \(expected one of id, eventType, workflow, priority, conditions, pattern, stop, correlateBy, enabled, all, within, debounce, throttle, concurrency, rateLimit, batch, cancelOn\)/,
    );
  });

  it('reports unknown keys inside a condition', () => {
    const issues = issuesOf(oneRule('conditions:', '  - field: a', '    valu: 1'));

    expect(issues[0]).toMatchObject({ line: 7, column: 9 });
    expect(issues[0]?.message).toContain('unknown key "valu" (did you mean "value"?)');
  });

  it('reports a missing required key at the rule', () => {
    const issues = issuesOf(yaml('rules:', '  - id: r', '    eventType: user_registration'));

    expect(issues).toEqual([expect.objectContaining({ line: 2, column: 5, message: 'rule "r": missing "workflow"' })]);
  });

  it('requires an id in rules files', () => {
    expect(issuesOf(yaml('rules:', '  - eventType: a', '    workflow: w'))[0]?.message).toMatch(/rules\[0\]: missing "id"/);
  });

  it('reports a malformed id at its value', () => {
    expect(issuesOf(yaml('rules:', '  - id: Premium_Onboarding', '    eventType: a', '    workflow: w'))[0]).toMatchObject({
      line: 2,
      column: 9,
      message: expect.stringMatching(/rules\[0\]\.id: must be lowercase letters, digits and dashes/),
    });
  });

  it.each([
    ['priority: high', 5, 15, /priority: must be a whole number, got "high"/],
    ['priority: 1.5', 5, 15, /priority: must be a whole number/],
    ['stop: "yes"', 5, 11, /stop: must be true or false/],
    ['enabled: 1', 5, 14, /enabled: must be true or false/],
    ['conditions: {field: a}', 5, 17, /conditions must be a list/],
    ['pattern: [a]', 5, 14, /pattern must be a mapping/],
    ['correlateBy: $.nope', 5, 18, /names no envelope field/],
  ])('reports %s at its value', (line, row, column, message) => {
    const issues = issuesOf(oneRule(line));

    expect(issues).toEqual([expect.objectContaining({ line: row, column, message: expect.stringMatching(message) })]);
  });

  it('reports a bad event type list item at the item', () => {
    const issues = issuesOf(yaml('rules:', '  - id: r', '    eventType:', '      - a', '      - "*"', '    workflow: w'));

    expect(issues[0]).toMatchObject({ line: 5, column: 9, message: expect.stringMatching(/"\*" already means every type/) });
  });

  it("reports an invalid pattern at the offending node with the matcher's reason", () => {
    const issues = issuesOf(oneRule('pattern:', '  source: [{ prefix: "web-" }]', '  data:', '    amount: [{ numeric: [">", "five"] }]'));

    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ line: 8, column: 17 });
    expect(issues[0]?.message).toMatch(/^rule "r", pattern\.data\.amount: numeric expects numbers/);
  });

  it('reports an empty pattern list at that list', () => {
    expect(issuesOf(oneRule('pattern:', '  source: []'))[0]).toMatchObject({ line: 6, column: 15, message: expect.stringMatching(/pattern\.source: empty arrays/) });
  });

  it('reports every problem of a file at once, in file order', () => {
    const text = yaml(
      'rules:',
      '  - id: first',
      '    eventType: a',
      '    workflow: w',
      '    priorty: 1',
      '  - id: second',
      '    eventType: b',
      '    conditions:',
      '      - field: n',
      '        op: gt',
      '        value: ten',
      '  - id: third',
      '    eventType: c',
      '    workflow: w',
      '    stop: maybe',
    );
    const issues = issuesOf(text);

    expect(issues.map((i) => `${i.line}:${i.column}`)).toEqual(['5:5', '6:5', '11:16', '15:11']);
    expect(issues.map((i) => i.message)).toEqual([
      'rule "first": unknown key "priorty" (did you mean "priority"?)',
      'rule "second": missing "workflow"',
      'rule "second", conditions[0].value: gt needs a number, got the string "ten"',
      'rule "third", stop: must be true or false, got "maybe"',
    ]);
  });

  it('collects the issues in a RuleFileError whose message lists them as file:line:column: message', () => {
    const error = (() => {
      try {
        parseRules(oneRule('priority: x'), 'rules/a.yaml');
      } catch (e) {
        return e;
      }
      return undefined;
    })();

    expect(error).toBeInstanceOf(RuleFileError);
    expect((error as RuleFileError).message).toBe('rules/a.yaml:5:15: rule "r", priority: must be a whole number, got "x"');
    expect((error as RuleFileError).code).toBe('invalid_rules');
  });

  it('reports YAML syntax errors with their position', () => {
    const issues = issuesOf(yaml('rules:', '  - id: r', '    eventType: [a, b', '    workflow: w'));

    expect(issues[0]?.line).toBeGreaterThanOrEqual(3);
    expect(issues[0]?.message).not.toMatch(/at line/);
  });

  it('explains that a bare * is a YAML alias', () => {
    const issues = issuesOf(yaml('rules:', '  - id: r', '    eventType: *', '    workflow: w'));

    expect(issues[0]).toMatchObject({ line: 3 });
    expect(issues[0]?.message).toContain('write "*" in quotes');
  });

  it('rejects a key written twice', () => {
    expect(issuesOf(oneRule('priority: 1', 'priority: 2'))[0]?.message).toMatch(/unique/i);
  });

  it('rejects a file that is not a rules file', () => {
    expect(issuesOf('- a\n- b\n')[0]?.message).toMatch(/expected a mapping with a "rules:" list/);
    expect(issuesOf('rule:\n  - id: r\n')[0]?.message).toMatch(/unknown key "rule" \(did you mean "rules"\?\)/);
    expect(issuesOf('rules: {}\n')[0]?.message).toMatch(/rules must be a list/);
  });

  it('rejects a condition on a forbidden or empty field path', () => {
    expect(issuesOf(oneRule('conditions:', '  - field: a..b', '    value: 1'))[0]?.message).toMatch(/empty segment/);
    expect(issuesOf(oneRule('conditions:', '  - field: user.constructor', '    value: 1'))[0]?.message).toMatch(/"constructor" cannot be a field name/);
  });
});

describe('parseRulesFile', () => {
  it('tells a rules file (no config) from the seed configuration', () => {
    expect(parseRulesFile(oneRule(), 'r.yaml').config).toBeUndefined();
  });
});
