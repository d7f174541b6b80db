import { describe, expect, it } from 'vitest';
import { compileRules, conditionsToPattern, containsWildcard, type Condition } from '../../../lambdas/core/index.js';
import { event, issuesOf, when, yaml } from './helpers.js';

const matches = (condition: Condition, data: Record<string, unknown>, envelope: Parameters<typeof event>[1] = {}): boolean =>
  compileRules([when(condition.field, condition.op, condition.value)]).route(event(data, envelope)).length === 1;

/** A rules file with one rule whose only condition is `condition` (value written as YAML flow text). */
const fileWith = (op: string, value: string): string =>
  yaml(
    'rules:',
    '  - id: r',
    '    eventType: user_registration',
    '    workflow: onboarding_workflow',
    '    conditions:',
    '      - field: amount',
    `        op: ${op}`,
    `        value: ${value}`,
  );

interface OpCase {
  op: NonNullable<Condition['op']>;
  value: unknown;
  match: unknown;
  miss: unknown;
  invalid: string;
  reason: RegExp;
}

const CASES: OpCase[] = [
  { op: 'equals', value: 'premium', match: 'premium', miss: 'basic', invalid: '[a, b]', reason: /use op: in/ },
  { op: 'not_equals', value: 'basic', match: 'premium', miss: 'basic', invalid: 'true', reason: /string or a number/ },
  { op: 'in', value: ['gold', 'silver'], match: 'silver', miss: 'bronze', invalid: 'gold', reason: /non-empty list/ },
  { op: 'not_in', value: ['gold', 'silver'], match: 'bronze', miss: 'gold', invalid: '[gold, 5]', reason: /only strings or only numbers/ },
  { op: 'gt', value: 100, match: 101, miss: 100, invalid: '"100"', reason: /gt needs a number, got the string "100"/ },
  { op: 'gte', value: 100, match: 100, miss: 99.5, invalid: 'lots', reason: /gte needs a number/ },
  { op: 'lt', value: 0, match: -1, miss: 0, invalid: '[1]', reason: /lt needs a number/ },
  { op: 'lte', value: 0, match: 0, miss: 1, invalid: 'null', reason: /lte needs a number, got null/ },
  { op: 'between', value: [5, 10], match: 10, miss: 11, invalid: '[5]', reason: /between needs a list of two numbers/ },
  { op: 'exists', value: true, match: 'anything', miss: undefined, invalid: 'yes', reason: /exists needs true or false/ },
  { op: 'prefix', value: 'web-', match: 'web-app', miss: 'app-web', invalid: '5', reason: /prefix needs a string/ },
  { op: 'suffix', value: '.png', match: 'cat.png', miss: 'cat.jpg', invalid: '""', reason: /suffix needs a non-empty string/ },
  { op: 'contains', value: 'needle', match: 'haystackneedlehay', miss: 'haystack', invalid: '[needle]', reason: /contains needs a string/ },
  { op: 'wildcard', value: 'user-*-eu', match: 'user-42-eu', miss: 'user-42-us', invalid: '"a**b"', reason: /consecutive wildcard/ },
  { op: 'cidr', value: '10.0.0.0/24', match: '10.0.0.255', miss: '10.0.1.0', invalid: '"10.0.0.0/33"', reason: /./ },
  { op: 'equals_ignore_case', value: 'Alice', match: 'aLiCe', miss: 'alicia', invalid: '7', reason: /equals_ignore_case needs a string/ },
];

describe('conditions (field / op / value)', () => {
  describe.each(CASES)('$op', ({ op, value, match, miss, invalid, reason }) => {
    it('matches an event whose field satisfies it', () => {
      expect(matches({ field: 'amount', op, value }, { amount: match })).toBe(true);
    });

    it('does not match an event whose field does not', () => {
      expect(matches({ field: 'amount', op, value }, miss === undefined ? {} : { amount: miss })).toBe(false);
    });

    it('rejects a value of the wrong kind at load, at the value', () => {
      const issues = issuesOf(fileWith(op, invalid));

      expect(issues).toHaveLength(1);
      expect(issues[0]).toMatchObject({ line: 8, column: 16 });
      expect(issues[0]?.message).toMatch(reason);
      expect(issues[0]?.message).toContain('conditions[0].value');
    });
  });

  it('treats field/value without op as equality (the seed form)', () => {
    expect(matches({ field: 'user_type', value: 'premium' }, { user_type: 'premium' })).toBe(true);
    expect(matches({ field: 'user_type', value: 'premium' }, { user_type: 'Premium' })).toBe(false);
  });

  it('reads nested data fields with dots and envelope fields with $.', () => {
    expect(matches({ field: 'plan.seats', op: 'gte', value: 5 }, { plan: { seats: 7 } })).toBe(true);
    expect(matches({ field: '$.source', op: 'prefix', value: 'web-' }, {}, { source: 'web-app' })).toBe(true);
    expect(matches({ field: '$.source', op: 'prefix', value: 'web-' }, {}, { source: 'mobile' })).toBe(false);
  });

  it('matches when any element of an array in the event satisfies it (EventBridge arrays)', () => {
    expect(matches({ field: 'tags', value: 'vip' }, { tags: ['new', 'vip'] })).toBe(true);
    expect(matches({ field: 'items.sku', op: 'prefix', value: 'B-' }, { items: [{ sku: 'A-1' }, { sku: 'B-2' }] })).toBe(true);
  });

  it('lets exists: false match only an absent field', () => {
    expect(matches({ field: 'email', op: 'exists', value: false }, {})).toBe(true);
    expect(matches({ field: 'email', op: 'exists', value: false }, { email: 'a@b.c' })).toBe(false);
  });

  it('does not let not_equals match an absent field (anything-but needs a value)', () => {
    expect(matches({ field: 'user_type', op: 'not_equals', value: 'basic' }, {})).toBe(false);
  });

  it('treats a numeric comparison on a string as no match', () => {
    expect(matches({ field: 'amount', op: 'gt', value: 5 }, { amount: '10' })).toBe(false);
  });

  it('accepts between with equal bounds as equality', () => {
    expect(matches({ field: 'n', op: 'between', value: [3, 3] }, { n: 3 })).toBe(true);
    expect(matches({ field: 'n', op: 'between', value: [3, 3] }, { n: 3.5 })).toBe(false);
  });

  it('rejects a numeric bound beyond EventBridge range (±5e9) at load', () => {
    const issues = issuesOf(fileWith('gt', '6000000000'));

    expect(issues[0]?.message).toMatch(/between -5e9 and 5e9/);
  });

  it('rejects between with bounds in the wrong order', () => {
    expect(issuesOf(fileWith('between', '[10, 5]'))[0]?.message).toMatch(/low ≤ high/);
  });

  it('rejects a missing value for every operator but exists', () => {
    const issues = issuesOf(yaml('rules:', '  - id: r', '    eventType: t', '    workflow: w', '    conditions:', '      - field: amount', '        op: gt'));

    expect(issues[0]).toMatchObject({ line: 6, column: 9, message: expect.stringMatching(/gt needs a value/) });
  });

  it('names an unknown operator and lists the known ones', () => {
    const issues = issuesOf(fileWith('greater_than', '5'));

    expect(issues[0]).toMatchObject({ line: 7, column: 13 });
    expect(issues[0]?.message).toMatch(/unknown operator "greater_than"; use one of equals, not_equals/);
  });
});

describe('contains', () => {
  it('escapes * and \\ so they match literally', () => {
    expect(containsWildcard('a*b\\c')).toBe('*a\\*b\\\\c*');
    expect(matches({ field: 's', op: 'contains', value: 'a*b' }, { s: 'xxa*bxx' })).toBe(true);
    expect(matches({ field: 's', op: 'contains', value: 'a*b' }, { s: 'xxaZZbxx' })).toBe(false);
  });

  it('with an empty string matches any string', () => {
    expect(matches({ field: 's', op: 'contains', value: '' }, { s: 'anything' })).toBe(true);
    expect(matches({ field: 's', op: 'contains', value: '' }, { s: 5 })).toBe(false);
  });
});

describe('conditionsToPattern', () => {
  it('turns each condition into an EventBridge leaf over the envelope', () => {
    const patterns = conditionsToPattern([
      { field: 'user_type', value: 'premium' },
      { field: 'plan.seats', op: 'between', value: [5, 10] },
      { field: '$.source', op: 'prefix', value: 'web-' },
      { field: 'email', op: 'exists', value: true },
      { field: 'tier', op: 'not_in', value: ['free'] },
    ]);

    expect(patterns).toEqual([
      {
        data: { user_type: ['premium'], plan: { seats: [{ numeric: ['>=', 5, '<=', 10] }] }, email: [{ exists: true }], tier: [{ 'anything-but': ['free'] }] },
        source: [{ prefix: 'web-' }],
      },
    ]);
  });

  it('keeps conditions under the same data field in separate patterns (arrays of objects stay independent)', () => {
    const patterns = conditionsToPattern([
      { field: 'items.sku', value: 'A' },
      { field: 'items.qty', op: 'gt', value: 1 },
    ]);

    expect(patterns).toEqual([{ data: { items: { sku: ['A'] } } }, { data: { items: { qty: [{ numeric: ['>', 1] }] } } }]);
  });

  it('gives no pattern for no conditions', () => {
    expect(conditionsToPattern([])).toEqual([]);
  });
});
