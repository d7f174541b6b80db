/**
 * The `numeric` operator: `["=", n]`, `[">"|">=", n]`, `["<"|"<=", n]` or `[">"|">=", lo, "<"|"<=", hi]`.
 * Operands are limited to ±5e9, EventBridge's documented numeric range; an open-ended comparison is
 * bounded by that limit too (event-ruler stores `> 0` as `(0, 5e9]`), so 6e9 does not match `> 0`.
 */
import { describe, fail } from './errors.js';

/** EventBridge: "limited to values between -5.0e9 and +5.0e9 inclusive". */
export const NUMERIC_LIMIT = 5e9;

export type NumberTest = (value: number) => boolean;

const OPERATORS = new Set(['=', '<', '<=', '>', '>=']);
const SHAPE = 'e.g. ["=", 3], [">", 0], ["<=", 5] or [">", 0, "<=", 5]';

function operand(path: string, value: unknown, operator: string): number {
  if (value === undefined) fail(path, `numeric operator "${operator}" must be followed by a number`);
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(path, `numeric expects numbers, got ${describe(value)}`);
  if (value < -NUMERIC_LIMIT || value > NUMERIC_LIMIT) {
    fail(path, `numeric values must be between -5e9 and 5e9 inclusive, got ${value}`);
  }
  return value;
}

function range(path: string, low: number, openLow: boolean, high: number, openHigh: boolean): NumberTest {
  if (low >= high) fail(path, `numeric range is empty: the lower bound ${low} must be less than the upper bound ${high}`);
  if (openLow) return openHigh ? (v) => v > low && v < high : (v) => v > low && v <= high;
  return openHigh ? (v) => v >= low && v < high : (v) => v >= low && v <= high;
}

/** Validates a `numeric` operand list and compiles it into a predicate over event numbers. */
export function compileNumeric(path: string, spec: unknown): NumberTest {
  if (!Array.isArray(spec)) fail(path, `numeric expects an array, ${SHAPE}; got ${describe(spec)}`);
  const items: readonly unknown[] = spec;
  const first = items[0];
  if (typeof first !== 'string' || !OPERATORS.has(first)) {
    fail(path, `numeric must start with one of "=", "<", "<=", ">", ">=" (${SHAPE}); got ${describe(first)}`);
  }
  const value = operand(path, items[1], first);

  if (first === '=' || first === '<' || first === '<=') {
    if (items.length > 2) {
      const hint = first === '=' ? '"=" takes exactly one number' : 'put the lower bound (">" or ">=") first';
      fail(path, `numeric has too many elements: ${hint}`);
    }
    if (first === '=') return (v) => v === value;
    return range(path, -NUMERIC_LIMIT, false, value, first === '<');
  }

  if (items.length === 2) return range(path, value, first === '>', NUMERIC_LIMIT, false);
  const second = items[2];
  if (second !== '<' && second !== '<=') {
    fail(path, `numeric upper bound must use "<" or "<=" after a lower bound, got ${describe(second)}`);
  }
  const upper = operand(path, items[3], second);
  if (items.length > 4) fail(path, 'numeric has too many elements: at most a lower and an upper bound');
  return range(path, value, first === '>', upper, second === '<');
}
