import { describe, expect, it } from 'vitest';
import { compilePattern, InvalidPatternError } from '../../../lambdas/core/pattern/index.js';

const matches = (pattern: unknown, event: unknown): boolean => compilePattern(pattern).matches(event);
const state = (operand: unknown) => ({ detail: { state: [{ 'anything-but': operand }] } });
const withState = (value: unknown) => ({ detail: { state: value } });
const rejects = (pattern: unknown, reason: RegExp): void => {
  expect(() => compilePattern(pattern)).toThrow(InvalidPatternError);
  expect(() => compilePattern(pattern)).toThrow(reason);
};

describe('anything-but', () => {
  it('matches any state besides "initializing" (the guide\'s string example)', () => {
    expect(matches(state('initializing'), withState('running'))).toBe(true);
    expect(matches(state('initializing'), withState('initializing'))).toBe(false);
  });

  it("matches any x-limit besides 123 (the guide's number example), compared numerically", () => {
    const pattern = { detail: { 'x-limit': [{ 'anything-but': 123 }] } };
    expect(matches(pattern, { detail: { 'x-limit': 301.8 } })).toBe(true);
    expect(matches(pattern, { detail: { 'x-limit': 123.0 } })).toBe(false);
  });

  it('excludes every value of a list of strings', () => {
    const pattern = state(['stopped', 'overloaded']);
    expect(matches(pattern, withState('running'))).toBe(true);
    expect(matches(pattern, withState('stopped'))).toBe(false);
    expect(matches(pattern, withState('overloaded'))).toBe(false);
  });

  it('excludes every value of a list of numbers', () => {
    const pattern = { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } };
    expect(matches(pattern, { detail: { 'x-limit': 301.8 } })).toBe(true);
    expect(matches(pattern, { detail: { 'x-limit': 200 } })).toBe(false);
  });

  it('does not match a missing field', () => {
    expect(matches(state('initializing'), { detail: {} })).toBe(false);
    expect(matches(state('initializing'), {})).toBe(false);
  });

  it('does not match an object value (not a leaf)', () => {
    expect(matches(state('initializing'), withState({ name: 'running' }))).toBe(false);
  });

  it('matches values of another type, which the exclusion cannot cover (as event-ruler does)', () => {
    expect(matches(state('initializing'), withState(5))).toBe(true);
    expect(matches(state('initializing'), withState(null))).toBe(true);
    expect(matches(state(123), withState('123'))).toBe(true);
  });

  it('matches an event array when any element is not excluded', () => {
    expect(matches(state('stopped'), withState(['stopped', 'running']))).toBe(true);
    expect(matches(state('stopped'), withState(['stopped']))).toBe(false);
  });

  it('excludes a prefix: any state not starting with "init"', () => {
    const pattern = state({ prefix: 'init' });
    expect(matches(pattern, withState('running'))).toBe(true);
    expect(matches(pattern, withState('initializing'))).toBe(false);
  });

  it('excludes a suffix: any FileName not ending in ".png"', () => {
    const pattern = { FileName: [{ 'anything-but': { suffix: '.png' } }] };
    expect(matches(pattern, { FileName: 'a.jpg' })).toBe(true);
    expect(matches(pattern, { FileName: 'a.png' })).toBe(false);
  });

  it('excludes values ignoring case, singly or as a list', () => {
    expect(matches(state({ 'equals-ignore-case': 'initializing' }), withState('INITIALIZING'))).toBe(false);
    expect(matches(state({ 'equals-ignore-case': 'initializing' }), withState('running'))).toBe(true);
    expect(matches(state({ 'equals-ignore-case': ['Stopped', 'Overloaded'] }), withState('stopped'))).toBe(false);
  });

  it('excludes a wildcard: any FilePath that does not include "/lib/"', () => {
    const pattern = { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] };
    expect(matches(pattern, { FilePath: '/usr/bin/node' })).toBe(true);
    expect(matches(pattern, { FilePath: '/usr/lib/node' })).toBe(false);
  });

  it('excludes a list of prefixes, suffixes or wildcards', () => {
    expect(matches(state({ prefix: ['init', 'stop'] }), withState('stopping'))).toBe(false);
    expect(matches(state({ suffix: ['.png', '.jpg'] }), withState('a.jpg'))).toBe(false);
    expect(matches(state({ wildcard: ['*/lib/*', '*.tmp'] }), withState('x.tmp'))).toBe(false);
    expect(matches(state({ wildcard: ['*/lib/*', '*.tmp'] }), withState('x.txt'))).toBe(true);
  });

  it('rejects an empty list', () => {
    rejects(state([]), /detail\.state: anything-but list must not be empty/);
    rejects(state({ prefix: [] }), /anything-but prefix list must not be empty/);
  });

  it('rejects a list mixing strings and numbers', () => {
    rejects(state(['a', 1]), /only strings or only numbers/);
  });

  it('rejects booleans, null and nested objects as excluded values', () => {
    rejects(state(true), /anything-but expects a string, a number/);
    rejects(state(null), /anything-but expects a string, a number/);
    rejects(state([true]), /must be strings or numbers/);
    rejects(state([{ prefix: 'a' }]), /must be strings or numbers/);
  });

  it('rejects unsupported forms such as numeric or exists', () => {
    rejects(state({ numeric: ['>', 1] }), /unsupported anything-but form "numeric"/);
    rejects(state({ exists: true }), /unsupported anything-but form "exists"/);
  });

  it('rejects an object with more or fewer than one key', () => {
    rejects(state({}), /exactly one key/);
    rejects(state({ prefix: 'a', suffix: 'b' }), /exactly one key/);
  });

  it('rejects an empty prefix or suffix and non-string operands', () => {
    rejects(state({ prefix: '' }), /anything-but prefix must not be empty/);
    rejects(state({ suffix: 5 }), /anything-but suffix expects strings/);
    rejects(state({ 'equals-ignore-case': 5 }), /anything-but equals-ignore-case expects strings/);
  });

  it('rejects an invalid wildcard', () => {
    rejects(state({ wildcard: 'a**' }), /anything-but wildcard: consecutive wildcard characters/);
  });

  it('rejects numbers outside the numeric range', () => {
    rejects(state(6e9), /between -5e9 and 5e9/);
  });
});
