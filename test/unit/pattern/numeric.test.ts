import { describe, expect, it } from 'vitest';
import { compilePattern, InvalidPatternError } from '../../../lambdas/core/pattern/index.js';

const matches = (pattern: unknown, event: unknown): boolean => compilePattern(pattern).matches(event);
const amount = (operands: unknown) => ({ detail: { amount: [{ numeric: operands }] } });
const withAmount = (value: unknown) => ({ detail: { amount: value } });
const rejects = (pattern: unknown, reason: RegExp): void => {
  expect(() => compilePattern(pattern)).toThrow(InvalidPatternError);
  expect(() => compilePattern(pattern)).toThrow(reason);
};

describe('numeric', () => {
  const guide = {
    detail: {
      'c-count': [{ numeric: ['>', 0, '<=', 5] }],
      'd-count': [{ numeric: ['<', 10] }],
      'x-limit': [{ numeric: ['=', 3.018e2] }],
    },
  };

  it("matches the guide's example only when every field is in range", () => {
    expect(matches(guide, { detail: { 'c-count': 5, 'd-count': 3, 'x-limit': 301.8 } })).toBe(true);
    expect(matches(guide, { detail: { 'c-count': 0, 'd-count': 3, 'x-limit': 301.8 } })).toBe(false);
    expect(matches(guide, { detail: { 'c-count': 5, 'd-count': 10, 'x-limit': 301.8 } })).toBe(false);
    expect(matches(guide, { detail: { 'c-count': 5, 'd-count': 3, 'x-limit': 301.9 } })).toBe(false);
  });

  it('honours open and closed bounds', () => {
    expect(matches(amount(['>', 0, '<', 5]), withAmount(5))).toBe(false);
    expect(matches(amount(['>=', 0, '<=', 5]), withAmount(0))).toBe(true);
    expect(matches(amount(['>=', 0, '<=', 5]), withAmount(5))).toBe(true);
    expect(matches(amount(['>', 0]), withAmount(0))).toBe(false);
    expect(matches(amount(['>=', 0]), withAmount(0))).toBe(true);
    expect(matches(amount(['<=', -1]), withAmount(-1))).toBe(true);
  });

  it('matches = by numeric value, whatever the notation', () => {
    expect(matches(amount(['=', 300]), JSON.parse('{"detail": {"amount": 3.0e2}}'))).toBe(true);
  });

  it('matches only numbers, never numeric strings', () => {
    expect(matches(amount(['>', 0]), withAmount('5'))).toBe(false);
    expect(matches(amount(['>', 0]), withAmount(true))).toBe(false);
  });

  it('is bounded by EventBridge\'s ±5e9 range, so 6e9 is not "> 0"', () => {
    expect(matches(amount(['>', 0]), withAmount(5e9))).toBe(true);
    expect(matches(amount(['>', 0]), withAmount(6e9))).toBe(false);
    expect(matches(amount(['<', 0]), withAmount(-6e9))).toBe(false);
  });

  it('matches an event array when any element is in range', () => {
    expect(matches(amount(['>', 10]), withAmount([1, 2, 30]))).toBe(true);
    expect(matches(amount(['>', 10]), withAmount([1, 2]))).toBe(false);
  });

  it("matches epoch timestamps in a range (event-ruler's example)", () => {
    const pattern = { timestamp: [{ numeric: ['>=', 1628872008, '<=', 1629044808] }] };
    expect(matches(pattern, { timestamp: 1628958408 })).toBe(true);
    expect(matches(pattern, { timestamp: 1629044809 })).toBe(false);
  });

  it('rejects non-numbers as operands, naming the path', () => {
    rejects(amount(['>', 'five']), /^detail\.amount: numeric expects numbers, got "five"$/);
    rejects(amount(['=', null]), /numeric expects numbers, got null/);
  });

  it('rejects unknown operators and a missing operator', () => {
    rejects(amount(['!=', 5]), /numeric must start with one of/);
    rejects(amount([5]), /numeric must start with one of/);
    rejects(amount([]), /numeric must start with one of/);
  });

  it('rejects an operator without its number', () => {
    rejects(amount(['>']), /numeric operator ">" must be followed by a number/);
    rejects(amount(['>', 0, '<']), /numeric operator "<" must be followed by a number/);
  });

  it('rejects bounds in the wrong order or with the wrong operators', () => {
    rejects(amount(['<', 5, '>', 0]), /put the lower bound/);
    rejects(amount(['>', 0, '>', 5]), /upper bound must use "<" or "<="/);
    rejects(amount(['=', 3, '<', 5]), /"=" takes exactly one number/);
    rejects(amount(['>', 0, '<', 5, 6]), /too many elements/);
  });

  it('rejects an empty range', () => {
    rejects(amount(['>', 5, '<', 5]), /range is empty/);
    rejects(amount(['>=', 5, '<=', 5]), /range is empty/);
    rejects(amount(['>', 10, '<', 1]), /range is empty/);
    rejects(amount(['>', 5e9]), /range is empty/);
  });

  it('rejects operands outside ±5e9', () => {
    rejects(amount(['=', 5.1e9]), /between -5e9 and 5e9/);
    rejects(amount(['>', -6e9, '<', 0]), /between -5e9 and 5e9/);
  });

  it('rejects a non-array operand', () => {
    rejects(amount(5), /numeric expects an array/);
  });
});
