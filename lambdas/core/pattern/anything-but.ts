/**
 * The `anything-but` operator. It matches any present leaf value the exclusion does not cover —
 * including values of another type (`anything-but: "x"` matches `5`, `true` and `null`), as in
 * event-ruler, where only a value of the excluded kind can fail it. A missing field never matches.
 *
 * Forms: a string or number; a non-empty list of only strings or only numbers; or an object with one
 * key — `prefix`, `suffix`, `equals-ignore-case` or `wildcard` — whose value is a string or a list of strings.
 */
import { describe, fail, isObject } from './errors.js';
import { equalsIgnoreCase } from './ignore-case.js';
import { NUMERIC_LIMIT } from './numeric.js';
import { compileWildcard, parseWildcard } from './wildcard.js';

/** A predicate over one leaf value of the event (string, number, boolean or null). */
export type ScalarTest = (value: string | number | boolean | null) => boolean;

const FORMS = ['prefix', 'suffix', 'equals-ignore-case', 'wildcard'];

function checkNumber(path: string, value: number): number {
  if (!Number.isFinite(value)) fail(path, `anything-but numbers must be finite, got ${describe(value)}`);
  if (value < -NUMERIC_LIMIT || value > NUMERIC_LIMIT) {
    fail(path, `anything-but numbers must be between -5e9 and 5e9 inclusive, got ${value}`);
  }
  return value;
}

function plainValues(path: string, spec: string | number | readonly unknown[]): ScalarTest {
  const items: readonly unknown[] = Array.isArray(spec) ? spec : [spec];
  if (items.length === 0) fail(path, 'anything-but list must not be empty');
  const strings = new Set<string>();
  const numbers = new Set<number>();
  for (const item of items) {
    if (typeof item === 'string') strings.add(item);
    else if (typeof item === 'number') numbers.add(checkNumber(path, item));
    else fail(path, `anything-but values must be strings or numbers, got ${describe(item)}`);
  }
  if (strings.size > 0 && numbers.size > 0) {
    fail(path, 'anything-but list must hold only strings or only numbers, not both');
  }
  if (numbers.size === 0) return (v) => typeof v !== 'string' || !strings.has(v);
  return (v) => typeof v !== 'number' || !numbers.has(v);
}

function stringTests(path: string, form: string, spec: unknown, onWildcard?: (segments: string[]) => void): ((value: string) => boolean)[] {
  const items: readonly unknown[] = Array.isArray(spec) ? spec : [spec];
  if (items.length === 0) fail(path, `anything-but ${form} list must not be empty`);
  return items.map((item) => {
    if (typeof item !== 'string') fail(path, `anything-but ${form} expects strings, got ${describe(item)}`);
    switch (form) {
      case 'prefix':
      case 'suffix':
        if (item === '') fail(path, `anything-but ${form} must not be empty`);
        return form === 'prefix' ? (v: string) => v.startsWith(item) : (v: string) => v.endsWith(item);
      case 'equals-ignore-case':
        return equalsIgnoreCase(item);
      default: {
        const parsed = parseWildcard(item);
        if (!parsed.ok) fail(path, `anything-but wildcard: ${parsed.reason}`);
        onWildcard?.(parsed.segments);
        return compileWildcard(parsed.segments);
      }
    }
  });
}

/**
 * Validates the operand of `anything-but` and compiles it. `onWildcard` receives the segments of each
 * wildcard it excludes, so the leaf can apply EventBridge's wildcard complexity limit to them too.
 */
export function compileAnythingBut(path: string, spec: unknown, onWildcard?: (segments: string[]) => void): ScalarTest {
  if (typeof spec === 'string' || typeof spec === 'number' || Array.isArray(spec)) return plainValues(path, spec);
  if (!isObject(spec)) {
    fail(path, `anything-but expects a string, a number, a list of them, or an object, got ${describe(spec)}`);
  }
  const keys = Object.keys(spec);
  const form = keys[0];
  if (keys.length !== 1 || form === undefined) {
    fail(path, `anything-but object must have exactly one key (${FORMS.join(', ')}), got ${keys.length}`);
  }
  if (!FORMS.includes(form)) fail(path, `unsupported anything-but form "${form}"; use one of ${FORMS.join(', ')}`);
  const tests = stringTests(path, form, spec[form], onWildcard);
  if (tests.length === 1) {
    const only = tests[0] as (value: string) => boolean;
    return (v) => typeof v !== 'string' || !only(v);
  }
  return (v) => {
    if (typeof v !== 'string') return true;
    for (const test of tests) if (test(v)) return false;
    return true;
  };
}
