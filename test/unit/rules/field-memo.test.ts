import { describe, expect, it } from 'vitest';
import { compileRuleMatcher, compileRules } from '../../../lambdas/core/index.js';
import { event, when } from './helpers.js';

// Many rules testing one field alone have their answers remembered per value of the field (a bounded
// number of values); routing must answer exactly as each rule's own matcher, past the bound too.
describe('rules testing one field alone', () => {
  const rules = [
    when('street', 'prefix', 'MA', { id: 'a-prefix' }),
    when('street', 'suffix', 'ET', { id: 'b-suffix' }),
    when('street', 'contains', 'SS', { id: 'c-contains' }),
    when('street', 'not_equals', 'MARKET', { id: 'd-not-equals' }),
    when('street', 'equals_ignore_case', 'mission', { id: 'e-ignore-case' }),
    when('street', 'wildcard', 'M*N', { id: 'f-wildcard' }),
    when('street', 'cidr', '10.0.0.0/8', { id: 'g-cidr' }),
  ];
  const set = compileRules(rules);
  const expected = (e: ReturnType<typeof event>) => rules.filter((r) => compileRuleMatcher(r).matches(e)).map((r) => r.id);
  const streets = [
    'MARKET',
    'MISSION',
    'mission',
    'MASON',
    'BASSET',
    '10.1.2.3',
    '10.1.2.3',
    'MARKET',
    ...Array.from({ length: 150 }, (_, i) => `MA${i}SS${i % 2 ? 'ET' : 'N'}`),
  ];

  it('answers as each rule does, for repeated values and for more values than are remembered', () => {
    for (const pass of [1, 2]) {
      for (const street of streets) {
        const e = event({ street });
        expect(
          set.route(e).map((r) => r.id),
          `${street} (pass ${pass})`,
        ).toEqual(expected(e));
      }
    }
  });

  it('answers as each rule does while values stop repeating and once they repeat again', () => {
    // Thousands of values seen once each (an id, an address) put the memo to rest; then a few values again.
    const unique = Array.from({ length: 6_000 }, (_, i) => `MA${i}${i % 3 ? 'ET' : 'SS'}`);
    const repeated = Array.from({ length: 6_000 }, (_, i) => streets[i % 8] as string);
    for (const street of [...unique, ...repeated, ...unique.slice(0, 300)]) {
      const e = event({ street });
      expect(
        set.route(e).map((r) => r.id),
        street,
      ).toEqual(expected(e));
    }
  });

  it('answers as each rule does for values that are not strings, absent, or several', () => {
    for (const street of [5, true, null, undefined, { name: 'MARKET' }, ['MARKET', 'x'], ['nothing']]) {
      const e = event(street === undefined ? {} : { street });
      expect(
        set.route(e).map((r) => r.id),
        JSON.stringify(street),
      ).toEqual(expected(e));
    }
  });
});
