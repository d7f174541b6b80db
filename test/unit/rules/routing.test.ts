import { describe, expect, it } from 'vitest';
import { compileRules, correlationIdFor, explainRoute, parseRules } from '../../../lambdas/core/index.js';
import { event, rule, when, yaml } from './helpers.js';

const ids = (rules: readonly { id: string }[]) => rules.map((r) => r.id);

describe('RuleSet.route', () => {
  it('returns every matching rule, highest priority first', () => {
    const set = compileRules([rule({ id: 'low', priority: 1 }), rule({ id: 'high', priority: 50 }), rule({ id: 'default' })]);

    expect(ids(set.route(event()))).toEqual(['high', 'low', 'default']);
  });

  it('orders rules of equal priority by id', () => {
    const set = compileRules([rule({ id: 'b', priority: 5 }), rule({ id: 'c', priority: 5 }), rule({ id: 'a', priority: 5 })]);

    expect(ids(set.route(event()))).toEqual(['a', 'b', 'c']);
  });

  it('cuts after the first matching stop rule', () => {
    const set = compileRules([rule({ id: 'first', priority: 30 }), rule({ id: 'gate', priority: 20, stop: true }), rule({ id: 'after', priority: 10 })]);

    expect(ids(set.route(event()))).toEqual(['first', 'gate']);
  });

  it('does not cut when the stop rule does not match', () => {
    const set = compileRules([when('user_type', 'equals', 'vip', { id: 'gate', priority: 20, stop: true }), rule({ id: 'after', priority: 10 })]);

    expect(ids(set.route(event({ user_type: 'basic' })))).toEqual(['after']);
    expect(ids(set.route(event({ user_type: 'vip' })))).toEqual(['gate']);
  });

  it('lets "*" rules meet every type, in priority order with the type\'s own rules', () => {
    const set = compileRules([
      rule({ id: 'audit', eventType: '*', priority: 5 }),
      rule({ id: 'signup', eventType: 'user_registration', priority: 10 }),
      rule({ id: 'late', eventType: 'user_registration', priority: 1 }),
    ]);

    expect(ids(set.route(event()))).toEqual(['signup', 'audit', 'late']);
    expect(ids(set.route(event({}, { type: 'order_placed' })))).toEqual(['audit']);
  });

  it('routes a rule with a list of types for each of them, and no others', () => {
    const set = compileRules([rule({ id: 'both', eventType: ['a', 'b'] })]);

    expect(ids(set.route(event({}, { type: 'a' })))).toEqual(['both']);
    expect(ids(set.route(event({}, { type: 'b' })))).toEqual(['both']);
    expect(set.route(event({}, { type: 'c' }))).toEqual([]);
  });

  it('leaves disabled rules out, stop rules included', () => {
    const set = compileRules([rule({ id: 'off', enabled: false, priority: 9, stop: true }), rule({ id: 'on' })]);

    expect(ids(set.route(event()))).toEqual(['on']);
    expect(ids(set.rules)).toEqual(['on']);
  });

  it('requires the type, every condition and the pattern', () => {
    const set = compileRules([
      rule({
        id: 'all',
        conditions: [
          { field: 'user_type', value: 'premium' },
          { field: 'plan.seats', op: 'gte', value: 5 },
        ],
        pattern: { source: [{ prefix: 'web-' }] },
      }),
    ]);
    const good = event({ user_type: 'premium', plan: { seats: 5 } });

    expect(ids(set.route(good))).toEqual(['all']);
    expect(set.route({ ...good, source: 'mobile' })).toEqual([]);
    expect(set.route(event({ user_type: 'premium', plan: { seats: 4 } }))).toEqual([]);
    expect(set.route({ ...good, type: 'other' })).toEqual([]);
  });

  it('answers the same through its value index as rule by rule (values, arrays, absent fields, null)', () => {
    const set = compileRules([
      when('tier', 'equals', 'gold', { id: 'gold' }),
      when('tier', 'in', ['gold', 'silver'], { id: 'metal' }),
      when('tier', 'equals', null, { id: 'null-tier' }),
      when('tier', 'not_equals', 'gold', { id: 'not-gold' }),
      rule({ id: 'pattern-gold', pattern: { data: { tier: ['gold'] } } }),
    ]);

    expect(ids(set.route(event({ tier: 'gold' })))).toEqual(['gold', 'metal', 'pattern-gold']);
    expect(ids(set.route(event({ tier: 'silver' })))).toEqual(['metal', 'not-gold']);
    expect(ids(set.route(event({ tier: ['bronze', 'gold'] })))).toEqual(['gold', 'metal', 'not-gold', 'pattern-gold']);
    expect(ids(set.route(event({ tier: null })))).toEqual(['not-gold', 'null-tier']);
    expect(ids(set.route(event({})))).toEqual([]);
    expect(ids(set.route(event({ tier: { nested: 'gold' } })))).toEqual([]);
  });

  it('routes the repository rules file: the seed example to onboarding_workflow', () => {
    const text = yaml(
      'rules:',
      '  - id: premium-onboarding',
      '    eventType: user_registration',
      '    workflow: onboarding_workflow',
      '    priority: 100',
      '    conditions:',
      '      - field: user_type',
      '        value: premium',
    );
    const set = compileRules(parseRules(text, 'rules/onboarding.yaml'));

    expect(set.route(event({ user_type: 'premium' })).map((r) => r.workflow)).toEqual(['onboarding_workflow']);
    expect(set.route(event({ user_type: 'basic' }))).toEqual([]);
  });
});

describe('explainRoute', () => {
  it('says why each rule fired, was cut by a stop rule, or was skipped', () => {
    const set = compileRules([
      when('user_type', 'equals', 'premium', { id: 'gate', priority: 10, stop: true }),
      rule({ id: 'cut', priority: 5 }),
      when('plan.seats', 'gte', 5, { id: 'skipped', priority: 1 }),
      rule({ id: 'other-type', eventType: 'order_placed' }),
    ]);

    const explained = explainRoute(set, event({ user_type: 'premium', plan: { seats: 2 } }));

    expect(explained.map((e) => [e.rule.id, e.outcome])).toEqual([
      ['gate', 'fired'],
      ['cut', 'cut'],
      ['skipped', 'skipped'],
      ['other-type', 'skipped'],
    ]);
    expect(explained[0]?.reasons).toEqual(['eventType "user_registration"', 'user_type equals "premium" (value: "premium")', 'stop: no lower-priority rule fires']);
    expect(explained[1]).toMatchObject({ cutBy: 'gate', reasons: ['eventType "user_registration"', 'no conditions', 'cut by stop of gate'] });
    expect(explained[2]?.reasons).toEqual(['condition failed: plan.seats gte 5 (value: 2)']);
    expect(explained[3]?.reasons).toEqual(['event type "user_registration" is not "order_placed"']);
  });

  it('agrees with route on what fires', () => {
    const set = compileRules([rule({ id: 'a', pattern: { source: ['web-app'] } }), rule({ id: 'b', pattern: { source: ['other'] } })]);
    const e = event();

    expect(
      explainRoute(set, e)
        .filter((x) => x.outcome === 'fired')
        .map((x) => x.rule),
    ).toEqual(set.route(e));
    expect(explainRoute(set, e)[1]?.reasons).toEqual(['pattern does not match']);
  });
});

describe('correlateBy', () => {
  const parsed = (path: string) => parseRules(yaml('rules:', '  - id: r', '    eventType: t', '    workflow: w', `    correlateBy: ${path}`), 'r.yaml')[0] as never;

  it('takes the correlationId from a data field when the event carries none', () => {
    expect(correlationIdFor(event({ orderId: 'o-1' }), parsed('orderId'))).toBe('o-1');
    expect(correlationIdFor(event({ account: { id: 42 } }), parsed('account.id'))).toBe('42');
  });

  it("reads the rule language's data.accountId form from the envelope", () => {
    expect(correlationIdFor(event({ accountId: 'acc-7' }), parsed('data.accountId'))).toBe('acc-7');
    expect(correlationIdFor(event({}, { source: 'crm' }), parsed('$.source'))).toBe('crm');
  });

  it("keeps the event's own correlationId, and falls back to the event id", () => {
    expect(correlationIdFor(event({ orderId: 'o-1' }, { correlationId: 'given' }), parsed('orderId'))).toBe('given');
    expect(correlationIdFor(event({}), parsed('orderId'))).toBe('evt-1');
  });
});
