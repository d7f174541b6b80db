import { describe, expect, it } from 'vitest';
import { compilePattern, InvalidPatternError } from '../../../lambdas/core/pattern/index.js';

const matches = (pattern: unknown, event: unknown): boolean => compilePattern(pattern).matches(event);
const exists = (flag: unknown) => ({ detail: { 'c-count': [{ exists: flag }] } });

describe('exists', () => {
  it('with true, matches when the field is present', () => {
    expect(matches({ detail: { state: [{ exists: true }] } }, { detail: { 'instance-id': 'i-abcd1111', state: 'pending' } })).toBe(true);
  });

  it("with true, does not match when the field is absent (the guide's example)", () => {
    expect(matches({ detail: { state: [{ exists: true }] } }, { detail: { 'c-count': { c1: 100 } } })).toBe(false);
  });

  it('with true, matches null and empty-string values, which are present', () => {
    expect(matches(exists(true), { detail: { 'c-count': null } })).toBe(true);
    expect(matches(exists(true), { detail: { 'c-count': '' } })).toBe(true);
  });

  it('with false, matches when the field is absent', () => {
    expect(matches(exists(false), { detail: { state: 'running' } })).toBe(true);
  });

  it('with false, matches when a parent object is absent too', () => {
    expect(matches(exists(false), { source: 'aws.ec2' })).toBe(true);
    expect(matches(exists(false), { detail: 'a string, not an object' })).toBe(true);
  });

  it('with false, does not match when the field is present', () => {
    expect(matches(exists(false), { detail: { 'c-count': 5 } })).toBe(false);
  });

  it("applies to leaves only: an object value counts as absent (the guide's c-count example)", () => {
    const event = { detail: { state: ['initializing', 'running'], 'c-count': { c1: 100 } } };
    expect(matches(exists(false), event)).toBe(true);
    expect(matches(exists(true), event)).toBe(false);
  });

  it('treats an empty array as absent and a non-empty one as present', () => {
    expect(matches(exists(false), { detail: { 'c-count': [] } })).toBe(true);
    expect(matches(exists(true), { detail: { 'c-count': [] } })).toBe(false);
    expect(matches(exists(true), { detail: { 'c-count': [1] } })).toBe(true);
  });

  it('with false, matches an array element that lacks the field', () => {
    const event = { detail: [{ 'c-count': 1 }, { state: 'x' }] };
    expect(matches({ detail: { 'c-count': [{ exists: false }], state: ['x'] } }, event)).toBe(true);
    expect(matches({ detail: { 'c-count': [{ exists: false }], state: ['y'] } }, event)).toBe(false);
  });

  it('does not see inherited properties as present', () => {
    const event = { detail: Object.create({ 'c-count': 5 }) as object };
    expect(matches(exists(true), event)).toBe(false);
    expect(matches(exists(false), event)).toBe(true);
  });

  it('rejects anything but true or false', () => {
    for (const flag of ['true', 1, null, [true]]) {
      expect(() => compilePattern(exists(flag))).toThrow(InvalidPatternError);
      expect(() => compilePattern(exists(flag))).toThrow(/detail\.c-count: exists expects true or false/);
    }
  });

  it('rejects extra keys next to exists', () => {
    expect(() => compilePattern({ f: [{ exists: true, prefix: 'a' }] })).toThrow(/exactly one operator/);
  });
});
