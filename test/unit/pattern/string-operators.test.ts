import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compilePattern, InvalidPatternError } from '../../../lambdas/core/pattern/index.js';
import { compileWildcard, parseWildcard } from '../../../lambdas/core/pattern/wildcard.js';

const matches = (pattern: unknown, event: unknown): boolean => compilePattern(pattern).matches(event);
const field = (operator: unknown) => ({ f: [operator] });
const rejects = (pattern: unknown, reason: RegExp): void => {
  expect(() => compilePattern(pattern)).toThrow(InvalidPatternError);
  expect(() => compilePattern(pattern)).toThrow(reason);
};

describe('prefix', () => {
  it('matches the guide\'s time prefix "2017-10-02"', () => {
    expect(matches({ time: [{ prefix: '2017-10-02' }] }, { time: '2017-10-02T18:43:48Z' })).toBe(true);
    expect(matches({ time: [{ prefix: '2017-10-02' }] }, { time: '2017-10-03T18:43:48Z' })).toBe(false);
  });

  it('is case-sensitive', () => {
    expect(matches(field({ prefix: 'us-' }), { f: 'US-east-1' })).toBe(false);
  });

  it('matches only strings', () => {
    expect(matches(field({ prefix: '12' }), { f: 123 })).toBe(false);
  });

  it('ignores case with { "equals-ignore-case": "EventB" } (the guide\'s service example)', () => {
    const pattern = { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } };
    expect(matches(pattern, { detail: { service: 'EventBridge' } })).toBe(true);
    expect(matches(pattern, { detail: { service: 'EVENTBRIDGE' } })).toBe(true);
    expect(matches(pattern, { detail: { service: 'eventb' } })).toBe(true);
    expect(matches(pattern, { detail: { service: 'Event' } })).toBe(false);
  });

  it('rejects a prefix that is not a string', () => {
    rejects(field({ prefix: 5 }), /f: prefix expects a string/);
    rejects(field({ prefix: ['a'] }), /prefix expects a string/);
  });

  it('rejects an object prefix other than { "equals-ignore-case": string }', () => {
    rejects(field({ prefix: { suffix: 'a' } }), /exactly one key, "equals-ignore-case"/);
    rejects(field({ prefix: { 'equals-ignore-case': 'a', other: 'b' } }), /exactly one key/);
    rejects(field({ prefix: { 'equals-ignore-case': 7 } }), /equals-ignore-case expects a string/);
  });
});

describe('suffix', () => {
  it('matches the guide\'s FileName suffix ".png"', () => {
    expect(matches({ FileName: [{ suffix: '.png' }] }, { FileName: 'photo.png' })).toBe(true);
    expect(matches({ FileName: [{ suffix: '.png' }] }, { FileName: 'photo.PNG' })).toBe(false);
    expect(matches({ FileName: [{ suffix: '.png' }] }, { FileName: 'photo.png.txt' })).toBe(false);
  });

  it('ignores case with { "equals-ignore-case": ".png" }', () => {
    const pattern = { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } };
    expect(matches(pattern, { detail: { FileName: 'photo.PNG' } })).toBe(true);
    expect(matches(pattern, { detail: { FileName: 'photo.Png' } })).toBe(true);
    expect(matches(pattern, { detail: { FileName: 'photo.jpg' } })).toBe(false);
  });

  it('rejects a suffix that is not a string', () => {
    rejects(field({ suffix: null }), /suffix expects a string/);
  });
});

describe('equals-ignore-case', () => {
  it('matches the guide\'s name "alice" against "Alice" and "ALICE"', () => {
    expect(matches({ name: [{ 'equals-ignore-case': 'alice' }] }, { name: 'Alice' })).toBe(true);
    expect(matches({ name: [{ 'equals-ignore-case': 'alice' }] }, { name: 'ALICE' })).toBe(true);
  });

  it('still requires the whole value to be equal', () => {
    expect(matches({ name: [{ 'equals-ignore-case': 'alice' }] }, { name: 'Alice2' })).toBe(false);
  });

  it('handles characters whose case forms differ in length, such as "ß"', () => {
    expect(matches(field({ 'equals-ignore-case': 'straße' }), { f: 'STRASSE' })).toBe(true);
  });

  it('rejects a non-string operand', () => {
    rejects(field({ 'equals-ignore-case': ['a'] }), /equals-ignore-case expects a string/);
  });
});

describe('wildcard', () => {
  it('matches "*" against any run of characters, including none', () => {
    const pattern = field({ wildcard: 'dir/*.png' });
    expect(matches(pattern, { f: 'dir/photo.png' })).toBe(true);
    expect(matches(pattern, { f: 'dir/.png' })).toBe(true);
    expect(matches(pattern, { f: 'dir/sub/photo.png' })).toBe(true);
    expect(matches(pattern, { f: 'dir/photo.jpg' })).toBe(false);
  });

  it('matches event-ruler\'s "Simple*Service" example', () => {
    expect(matches({ source: [{ wildcard: 'Simple*Service' }] }, { source: 'SimpleQueueService' })).toBe(true);
    expect(matches({ source: [{ wildcard: 'Simple*Service' }] }, { source: 'SimpleQueueServices' })).toBe(false);
  });

  it('supports several wildcards in one value, as in an event bus ARN', () => {
    const pattern = field({ wildcard: 'arn:aws:events:us-east-1:*:event-bus/*' });
    expect(matches(pattern, { f: 'arn:aws:events:us-east-1:123456789012:event-bus/orders' })).toBe(true);
    expect(matches(pattern, { f: 'arn:aws:events:eu-west-1:123456789012:event-bus/orders' })).toBe(false);
  });

  it('places each segment without backtracking, even when segments repeat', () => {
    expect(matches(field({ wildcard: '*ab*ab*' }), { f: 'xxabyyab' })).toBe(true);
    expect(matches(field({ wildcard: 'a*a' }), { f: 'a' })).toBe(false);
    expect(matches(field({ wildcard: 'a*a' }), { f: 'aa' })).toBe(true);
  });

  it('without a star, requires the whole value to be equal', () => {
    expect(matches(field({ wildcard: 'abc' }), { f: 'abc' })).toBe(true);
    expect(matches(field({ wildcard: 'abc' }), { f: 'abcd' })).toBe(false);
  });

  it('treats "\\*" as a literal star and "\\\\" as a literal backslash', () => {
    expect(matches(field({ wildcard: 'a\\*b' }), { f: 'a*b' })).toBe(true);
    expect(matches(field({ wildcard: 'a\\*b' }), { f: 'axb' })).toBe(false);
    expect(matches(field({ wildcard: 'c:\\\\*' }), { f: 'c:\\temp' })).toBe(true);
  });

  it('matches only strings', () => {
    expect(matches(field({ wildcard: '*' }), { f: 5 })).toBe(false);
    expect(matches(field({ wildcard: '*' }), { f: '' })).toBe(true);
  });

  it('rejects consecutive wildcard characters', () => {
    rejects(field({ wildcard: 'a**b' }), /consecutive wildcard characters at position 1/);
  });

  it('accepts an escaped star next to a wildcard', () => {
    expect(matches(field({ wildcard: '\\**' }), { f: '*tail' })).toBe(true);
  });

  it('rejects a backslash that escapes anything but "*" or "\\"', () => {
    rejects(field({ wildcard: 'a\\b' }), /invalid escape at position 1/);
    rejects(field({ wildcard: 'trailing\\' }), /invalid escape/);
  });

  it('rejects a non-string operand', () => {
    rejects(field({ wildcard: 3 }), /wildcard expects a string/);
  });

  it('agrees with a regular-expression oracle on random patterns and values', () => {
    // Tokens: letters, a long self-overlapping run (searched with KMP), a wildcard, or an escaped star.
    const long = `${'a'.repeat(32)}b`;
    const literal = (t: string): string => (t === 'LONG' ? long : t);
    const tokens = fc
      .array(fc.constantFrom('a', 'b', 'LONG', 'WILD', 'ESCAPED'), { maxLength: 10 })
      .filter((list) => list.every((t, i) => !(t === 'WILD' && list[i + 1] === 'WILD')));
    const value = fc.array(fc.constantFrom('a', 'b', '*', long, 'a'.repeat(20)), { maxLength: 12 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(tokens, value, (list, subject) => {
        const wildcard = list.map((t) => (t === 'WILD' ? '*' : t === 'ESCAPED' ? '\\*' : literal(t))).join('');
        const oracle = new RegExp(`^${list.map((t) => (t === 'WILD' ? '.*' : t === 'ESCAPED' ? '\\*' : literal(t))).join('')}$`);
        // Past EventBridge's complexity limit the pattern is refused; the matcher still answers as the oracle does.
        const parsed = parseWildcard(wildcard);
        if (!parsed.ok) throw new Error(parsed.reason);
        expect(compileWildcard(parsed.segments)(subject)).toBe(oracle.test(subject));
        let compiled: ReturnType<typeof compilePattern> | undefined;
        try {
          compiled = compilePattern(field({ wildcard }));
        } catch (error) {
          expect((error as Error).message).toMatch(/rule is too complex/);
        }
        if (compiled !== undefined) expect(compiled.matches({ f: subject })).toBe(oracle.test(subject));
      }),
      { numRuns: 3_000 },
    );
  });
});
