import { describe, expect, it } from 'vitest';
import { compilePattern, InvalidPatternError, MAX_PATTERN_DEPTH } from '../../../lambdas/core/pattern/index.js';
import { compileWildcard, parseWildcard } from '../../../lambdas/core/pattern/wildcard.js';

const matches = (pattern: unknown, event: unknown): boolean => compilePattern(pattern).matches(event);

/** `{ a: { a: … leaf … } }` with `depth` objects, built without recursion. */
function nested(depth: number, leaf: unknown): Record<string, unknown> {
  let node: unknown = leaf;
  for (let i = 0; i < depth; i++) node = { a: node };
  return node as Record<string, unknown>;
}

/** Runs `work` and returns how long it took, in milliseconds. */
function timed(work: () => void): number {
  const start = performance.now();
  work();
  return performance.now() - start;
}

describe('hostile input', () => {
  it('compiles and matches a pattern nested to the depth limit', () => {
    const pattern = nested(MAX_PATTERN_DEPTH, ['x']);
    expect(matches(pattern, nested(MAX_PATTERN_DEPTH, 'x'))).toBe(true);
    expect(matches(pattern, nested(MAX_PATTERN_DEPTH, 'y'))).toBe(false);
  });

  it('rejects a pattern nested deeper than the limit with InvalidPatternError, not a stack overflow', () => {
    expect(() => compilePattern(nested(MAX_PATTERN_DEPTH + 1, ['x']))).toThrow(InvalidPatternError);
    expect(() => compilePattern(nested(100_000, ['x']))).toThrow(/nested deeper than 1000 levels/);
  });

  it('rejects a pattern that contains itself', () => {
    const pattern: Record<string, unknown> = {};
    pattern.self = pattern;
    expect(() => compilePattern(pattern)).toThrow(InvalidPatternError);
  });

  it('matches a deeply nested event without walking deeper than the pattern', () => {
    expect(matches({ a: { a: [{ exists: true }] } }, nested(100_000, 'x'))).toBe(false);
    expect(matches({ a: { a: [{ exists: false }] } }, nested(100_000, 'x'))).toBe(true);
  });

  it('flattens deeply nested and cyclic event arrays without overflowing or looping', () => {
    let deep: unknown = ['needle'];
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(matches({ f: ['needle'] }, { f: deep })).toBe(true);
    const cycle: unknown[] = ['a'];
    cycle.push(cycle);
    expect(matches({ f: ['b'] }, { f: cycle })).toBe(false);
    expect(matches({ f: { g: ['b'] } }, { f: cycle })).toBe(false);
  });

  it('treats "__proto__", "constructor" and "prototype" as ordinary field names', () => {
    const pattern = JSON.parse('{"__proto__": ["x"], "constructor": ["y"], "prototype": {"p": ["z"]}}') as unknown;
    const event = JSON.parse('{"__proto__": "x", "constructor": "y", "prototype": {"p": "z"}}') as unknown;
    expect(matches(pattern, event)).toBe(true);
    expect(matches(pattern, {})).toBe(false);
  });

  it('never resolves a field through the prototype chain of the event', () => {
    expect(matches({ constructor: [{ exists: true }] }, {})).toBe(false);
    expect(matches({ toString: [{ exists: false }] }, {})).toBe(true);
    expect(matches({ hasOwnProperty: { call: [{ exists: true }] } }, {})).toBe(false);
  });

  it('ignores values planted on Object.prototype', () => {
    const proto = Object.prototype as Record<string, unknown>;
    proto.planted = 'x';
    try {
      expect(matches({ planted: ['x'] }, {})).toBe(false);
      expect(matches({ planted: [{ exists: false }] }, {})).toBe(true);
    } finally {
      delete proto.planted;
    }
  });

  it('does not pollute Object.prototype when compiling a "__proto__" pattern key', () => {
    compilePattern(JSON.parse('{"__proto__": {"polluted": ["yes"]}}'));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('rejects "__proto__" as an operator name', () => {
    expect(() => compilePattern(JSON.parse('{"f": [{"__proto__": "x"}]}'))).toThrow(/unknown operator "__proto__"/);
  });

  it('refuses 100 KB wildcards that repeat themselves after a star as too complex, as EventBridge does', () => {
    for (const wildcard of [`${'a*'.repeat(50_000)}b`, `*${'a'.repeat(50_000)}b*`, `*${`b${'a'.repeat(30)}*`.repeat(1_000)}`]) {
      expect(() => compilePattern({ f: [{ wildcard }] })).toThrow(/f: rule is too complex/);
    }
  });

  it('matches a 100 KB wildcard against a 100 KB value in linear time (the matcher alone, past the complexity limit)', () => {
    const raw = (wildcard: string) => {
      const parsed = parseWildcard(wildcard);
      if (!parsed.ok) throw new Error(parsed.reason);
      const test = compileWildcard(parsed.segments);
      return { matches: (event: { f: string }) => test(event.f) };
    };
    const stars = raw(`${'a*'.repeat(50_000)}b`);
    const longSegment = raw(`*b${'a'.repeat(50_000)}*`);
    const shortSegments = raw(`*${`b${'a'.repeat(30)}*`.repeat(1_000)}`);
    const subject = 'a'.repeat(100_000);
    const elapsed = timed(() => {
      expect(stars.matches({ f: subject })).toBe(false);
      expect(stars.matches({ f: `${subject}b` })).toBe(true);
      expect(longSegment.matches({ f: subject })).toBe(false);
      expect(shortSegments.matches({ f: subject })).toBe(false);
    });
    expect(elapsed).toBeLessThan(1_000);
  });

  it('rejects a 100 KB wildcard of consecutive stars quickly', () => {
    const elapsed = timed(() => {
      expect(() => compilePattern({ f: [{ wildcard: '*'.repeat(100_000) }] })).toThrow(/consecutive wildcard/);
    });
    expect(elapsed).toBeLessThan(1_000);
  });

  it('handles 100 KB prefix, suffix and equals-ignore-case operands', () => {
    const big = 'x'.repeat(100_000);
    expect(matches({ f: [{ prefix: big }] }, { f: `${big}!` })).toBe(true);
    expect(matches({ f: [{ suffix: { 'equals-ignore-case': big } }] }, { f: `!${big.toUpperCase()}` })).toBe(true);
    expect(matches({ f: [{ 'equals-ignore-case': big }] }, { f: big.slice(1) })).toBe(false);
  });

  it('does not parse long strings as IP addresses', () => {
    expect(matches({ f: [{ cidr: '0.0.0.0/0' }] }, { f: `1.1.1.1${' '.repeat(100_000)}` })).toBe(false);
  });

  it('returns false for non-object events instead of throwing', () => {
    const pattern = compilePattern({ source: ['aws.ec2'] });
    for (const event of [null, undefined, 'aws.ec2', 42, [], [null]]) expect(pattern.matches(event)).toBe(false);
  });
});
