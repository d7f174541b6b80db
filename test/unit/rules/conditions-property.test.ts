import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { byPriorityThenId, compileRuleMatcher, compileRules, conditionsToPattern, type Condition, type EngineEvent, type Rule } from '../../../lambdas/core/index.js';
import { compilePattern } from '../../../lambdas/core/pattern/index.js';
import { event, rule } from './helpers.js';
import { conditionsHold } from './oracle.js';

// Small vocabularies, so that random conditions and random events meet often.
const strings = fc.constantFrom('a', 'ab', 'abc', 'b', 'ba', 'A', 'AB', 'x*y', 'x\\y', 'é', 'É', '10.0.0.1', '10.0.1.7', '192.168.1.20', '');
const numbers = fc.constantFrom(-6e9, -10, -1, 0, 0.5, 1, 2, 10, 100, 5e9, 6e9);
const scalar = fc.oneof(strings, numbers, fc.boolean(), fc.constant(null));
const leafValue = fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }), fc.array(fc.array(scalar, { maxLength: 2 }), { maxLength: 2 }));
const nested = fc.oneof(
  leafValue,
  fc.dictionary(fc.constantFrom('x', 'y'), leafValue, { maxKeys: 2 }),
  fc.array(fc.dictionary(fc.constantFrom('x', 'y'), leafValue, { maxKeys: 2 }), { maxLength: 3 }),
);
const data = fc.dictionary(fc.constantFrom('a', 'b', 'c'), nested, { maxKeys: 3 });
const anEvent = fc
  .record({ data, source: fc.constantFrom('web-app', 'mobile', 'web'), type: fc.constantFrom('t1', 't2') })
  .map((e) => event(e.data, { source: e.source, type: e.type }));

const field = fc.constantFrom('a', 'b', 'c', 'a.x', 'b.y', '$.source');
const limited = fc.constantFrom(-10, -1, 0, 0.5, 1, 2, 10, 100);
const valueFor: Record<NonNullable<Condition['op']>, fc.Arbitrary<unknown>> = {
  equals: scalar,
  not_equals: fc.oneof(strings, limited),
  in: fc.array(scalar, { minLength: 1, maxLength: 3 }),
  not_in: fc.oneof(fc.array(strings, { minLength: 1, maxLength: 3 }), fc.array(limited, { minLength: 1, maxLength: 3 })),
  gt: limited,
  gte: limited,
  lt: limited,
  lte: limited,
  between: fc.tuple(limited, limited).map(([x, y]) => [Math.min(x, y), Math.max(x, y)]),
  exists: fc.boolean(),
  prefix: fc.constantFrom('a', 'ab', 'web', '10.'),
  suffix: fc.constantFrom('b', 'ab', 'app', '.1'),
  contains: fc.constantFrom('a', 'b', '*', '\\', 'x*y', ''),
  wildcard: fc.constantFrom('a*', '*b', 'a*c', '*', 'web*app', '10.*.1'),
  cidr: fc.constantFrom('10.0.0.0/24', '10.0.0.0/8', '192.168.1.0/28', '0.0.0.0/0'),
  equals_ignore_case: fc.constantFrom('a', 'AB', 'é', 'WEB-APP'),
};
const condition: fc.Arbitrary<Condition> = fc
  .constantFrom(...(Object.keys(valueFor) as Array<NonNullable<Condition['op']>>))
  .chain((op) => fc.record({ field, op: fc.constant(op), value: valueFor[op] }));
const conditions = fc.array(condition, { minLength: 1, maxLength: 3 });

const RUNS = { numRuns: 2000 };

describe('conditions and their equivalent patterns (property)', () => {
  it('agree with the reference reading of each condition for random events', () => {
    fc.assert(
      fc.property(conditions, anEvent, (cs, e) => {
        const patterns = conditionsToPattern(cs);
        const viaPatterns = patterns.every((p) => compilePattern(p).matches(e));

        expect(viaPatterns).toBe(conditionsHold(cs, e));
      }),
      RUNS,
    );
  });

  it('agree with the compiled rule (conditions inside a rule)', () => {
    fc.assert(
      fc.property(conditions, anEvent, (cs, e) => {
        expect(compileRuleMatcher({ conditions: cs }).matches(e)).toBe(conditionsHold(cs, e));
      }),
      RUNS,
    );
  });
});

/** Routing by definition: every enabled rule in order, its type and matcher, cut after a stop. */
function naiveRoute(rules: readonly Rule[], e: EngineEvent): string[] {
  const fired: string[] = [];
  for (const r of rules.filter((x) => x.enabled).sort(byPriorityThenId)) {
    const types = Array.isArray(r.eventType) ? r.eventType : [r.eventType];
    if (!types.includes('*') && !types.includes(e.type)) continue;
    if (!compileRuleMatcher(r).matches(e)) continue;
    fired.push(r.id);
    if (r.stop) break;
  }
  return fired;
}

// Rules that mostly test `a` for equality, so the router's value index is exercised.
const indexedCondition = fc.oneof(
  fc.record({ field: fc.constant('a'), op: fc.constant('equals' as const), value: scalar }),
  fc.record({ field: fc.constant('a'), op: fc.constant('in' as const), value: fc.array(scalar, { minLength: 1, maxLength: 3 }) }),
  condition,
);
const randomRule = (i: number) =>
  fc
    .record({
      eventType: fc.oneof(fc.constantFrom<string | string[]>('t1', 't2', '*'), fc.constant<string | string[]>(['t1', 't2'])),
      priority: fc.integer({ min: 0, max: 3 }),
      conditions: fc.array<Condition>(indexedCondition, { maxLength: 2 }),
      pattern: fc.option(
        fc.oneof(fc.record({ data: fc.record({ a: fc.array(scalar, { minLength: 1, maxLength: 2 }) }) }), fc.record({ source: fc.constant(['web-app', 'web']) })),
        { nil: undefined },
      ),
      stop: fc.boolean(),
      enabled: fc.boolean(),
    })
    .map(({ pattern, ...r }) => rule({ id: `r${i}`, ...r, ...(pattern === undefined ? {} : { pattern: pattern as Record<string, unknown> }) }));
const ruleSet = fc.integer({ min: 1, max: 12 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => randomRule(i))));

describe('compileRules (property)', () => {
  it('routes exactly as evaluating every rule in order would', () => {
    fc.assert(
      fc.property(ruleSet, fc.array(anEvent, { minLength: 1, maxLength: 5 }), (rules, events) => {
        const compiled = compileRules(rules);
        for (const e of events) expect(compiled.route(e).map((r) => r.id)).toEqual(naiveRoute(rules, e));
      }),
      { numRuns: 500 },
    );
  });
});
