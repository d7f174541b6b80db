import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compilePattern, compileRules, type EngineEvent, type Rule } from '../../../lambdas/core/index.js';
import { event, rule } from './helpers.js';

// Routing reads each field once per event and tests rules leaf by leaf (their $or multiplied out);
// whatever the pattern and the event, it must answer as each rule's compiled pattern does alone.
const NAMES = ['a', 'b', 'c', 'a.b'];
const leaf = fc.oneof(
  fc.constant(['x']),
  fc.constant(['x', 1]),
  fc.constant([null]),
  fc.constant([{ prefix: 'x' }]),
  fc.constant([{ exists: true }]),
  fc.constant([{ exists: false }]),
  fc.constant([{ 'anything-but': 'x' }]),
  fc.constant([{ numeric: ['>', 0] }]),
);
const { pattern } = fc.letrec((tie) => ({
  pattern: fc.oneof(
    { depthSize: 'small' },
    fc.dictionary(fc.constantFrom(...NAMES), fc.oneof(leaf, tie('pattern')), { minKeys: 1, maxKeys: 3 }),
    fc.record({ $or: fc.array(tie('pattern'), { minLength: 2, maxLength: 3 }) }),
  ),
}));
const { value } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom('x', 'xy', 'y', 1, 0, null, true),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...NAMES), tie('value'), { maxKeys: 3 }),
  ),
}));

const compiles = (p: unknown): boolean => {
  try {
    compilePattern(p);
    return true;
  } catch {
    return false;
  }
};

describe('routing through leaf groups', () => {
  it('fires exactly the rules whose compiled pattern matches the event', () => {
    fc.assert(
      fc.property(fc.array(pattern, { minLength: 1, maxLength: 6 }), value, (patterns, data) => {
        // A generated pattern may give one path both values and fields: such patterns are refused, not routed.
        const rules: Rule[] = patterns.map((p, i) => rule({ id: `r${i}`, pattern: { data: p as Record<string, unknown> } })).filter((r) => compiles(r.pattern));
        fc.pre(rules.length > 0);
        const probe: EngineEvent = event(data as Record<string, unknown>);
        const expected = rules.filter((r) => compilePattern(r.pattern).matches(probe)).map((r) => r.id);
        expect(
          compileRules(rules)
            .route(probe)
            .map((r) => r.id)
            .sort(),
        ).toEqual(expected.sort());
      }),
      { numRuns: 1000 },
    );
  });

  it('fires exactly those rules when rules of several types read the same fields', () => {
    // Every type's lists read the fields through one set of slots: a type must never see another's values.
    const TYPES = ['t.a', 't.b', '*'];
    fc.assert(
      fc.property(
        fc.array(fc.tuple(pattern, fc.constantFrom(...TYPES)), { minLength: 1, maxLength: 8 }),
        fc.array(fc.tuple(value, fc.constantFrom('t.a', 't.b', 't.c')), { minLength: 1, maxLength: 4 }),
        (specs, probes) => {
          const rules: Rule[] = specs
            .map(([p, type], i) => rule({ id: `r${i}`, eventType: type, pattern: { data: p as Record<string, unknown> } }))
            .filter((r) => compiles(r.pattern));
          fc.pre(rules.length > 0);
          const set = compileRules(rules);
          for (const [data, type] of probes) {
            const probe: EngineEvent = { ...event(data as Record<string, unknown>), type };
            const expected = rules.filter((r) => (r.eventType === '*' || r.eventType === type) && compilePattern(r.pattern).matches(probe)).map((r) => r.id);
            expect(
              set
                .route(probe)
                .map((r) => r.id)
                .sort(),
            ).toEqual(expected.sort());
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('tests conditions and pattern together, each field read once, for many rules of one type', () => {
    const rules = [
      rule({ id: 'street', conditions: [{ field: 'properties.street', value: 'MARKET' }] }),
      rule({ id: 'either', pattern: { data: { $or: [{ properties: { parity: ['E'] } }, { geometry: { type: ['Polygon'] } }] } } }),
      rule({ id: 'both', conditions: [{ field: 'properties.area', op: 'gt', value: 10 }], pattern: { data: { 'geometry.type': ['Polygon'] } } }),
    ];
    const set = compileRules(rules);
    const ids = (data: Record<string, unknown>) => set.route(event(data)).map((r) => r.id);
    expect(ids({ properties: { street: 'MARKET', parity: 'O', area: 20 }, geometry: { type: 'Polygon' } })).toEqual(['both', 'either', 'street']);
    expect(ids({ properties: { street: 'MISSION', parity: 'E', area: 5 }, geometry: { type: 'Point' } })).toEqual(['either']);
    expect(ids({ 'properties.street': 'MARKET', geometry: [{ type: 'Point' }, { type: 'Polygon' }] })).toEqual(['either', 'street']);
  });
});
