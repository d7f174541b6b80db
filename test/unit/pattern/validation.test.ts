import { describe, expect, it } from 'vitest';
import { compilePattern, InvalidPatternError } from '../../../lambdas/core/pattern/index.js';

/** Compiles `pattern` and returns the error it raised. */
function errorOf(pattern: unknown): InvalidPatternError {
  try {
    compilePattern(pattern);
  } catch (error) {
    if (error instanceof InvalidPatternError) return error;
    throw error;
  }
  throw new Error('expected the pattern to be rejected');
}

describe('pattern structure validation', () => {
  it('rejects a pattern that is not a JSON object', () => {
    for (const pattern of [null, [], 'source', 5, true, undefined]) {
      expect(errorOf(pattern).reason).toMatch(/a pattern must be a JSON object/);
    }
  });

  it('names the root as "(root)" in the message', () => {
    expect(errorOf([]).message).toMatch(/^\(root\): /);
    expect(errorOf([]).path).toBe('');
  });

  it('rejects a field whose value is a scalar rather than an array', () => {
    const error = errorOf({ detail: { state: 'running' } });
    expect(error.path).toBe('detail.state');
    expect(error.message).toBe('detail.state: must be an object or an array of values, got "running"');
  });

  it('rejects a field whose value is null', () => {
    expect(errorOf({ source: null }).message).toMatch(/^source: must be an object or an array/);
  });

  it('rejects an empty value array', () => {
    expect(errorOf({ source: [] }).message).toMatch(/^source: empty arrays are not allowed/);
  });

  it('rejects a nested empty object', () => {
    expect(errorOf({ detail: {} }).message).toBe('detail: empty objects are not allowed');
  });

  it('rejects nested arrays inside a value list', () => {
    expect(errorOf({ source: [['aws.ec2']] }).reason).toMatch(/nested arrays are not allowed/);
  });

  it('rejects an unknown operator', () => {
    expect(errorOf({ source: [{ contains: 'ec2' }] }).message).toBe('source: unknown operator "contains"');
    expect(errorOf({ source: [{ exactly: 'ec2' }] }).reason).toMatch(/unknown operator "exactly"/);
  });

  it('rejects a matcher object with no operator or more than one', () => {
    expect(errorOf({ source: [{}] }).reason).toMatch(/empty matcher object/);
    expect(errorOf({ source: [{ prefix: 'a', suffix: 'b' }] }).reason).toMatch(/exactly one operator/);
  });

  it('rejects values that are not JSON, such as NaN or functions', () => {
    expect(errorOf({ n: [Number.NaN] }).reason).toMatch(/numbers must be finite/);
    expect(errorOf({ n: [() => 1] }).reason).toMatch(/values must be strings, numbers, booleans, null or matcher objects/);
  });

  it('reports the first offending path among valid siblings', () => {
    const error = errorOf({ source: ['aws.ec2'], detail: { ok: ['x'], bad: [{ numeric: ['>', 'five'] }] } });
    expect(error.path).toBe('detail.bad');
  });

  it("carries the engine's validation-error shape", () => {
    const error = errorOf({ source: [] });
    expect(error.name).toBe('InvalidPatternError');
    expect(error.code).toBe('validation_error');
    expect(error.retryable).toBe(false);
    expect(error.details).toEqual([{ path: 'source', message: error.reason }]);
    expect(error).toBeInstanceOf(Error);
  });

  it('keeps messages short when the offending value is huge', () => {
    const error = errorOf({ source: 'x'.repeat(100_000) });
    expect(error.message.length).toBeLessThan(200);
  });
});
