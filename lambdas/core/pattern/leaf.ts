/**
 * Compiles a leaf of a pattern — the array of values and matchers under one field — into a test of
 * the event's value at that field. Values in the array are OR-ed. The event value may be absent
 * (`undefined`), an object (not a leaf: only `exists: false` matches it), an array (any element may
 * match; nested arrays are flattened) or a scalar.
 */
import { compileAnythingBut, type ScalarTest } from './anything-but.js';
import { newIpWords, parseCidr, parseIp } from './cidr.js';
import { describe, fail, isObject } from './errors.js';
import { equalsIgnoreCase, prefixIgnoreCase, suffixIgnoreCase } from './ignore-case.js';
import { compileNumeric } from './numeric.js';
import { type LeafParts, scalarTest, type StringTest, stringTestOf } from './scalar-test.js';
import { compileWildcard, parseWildcard } from './wildcard.js';
import { MAX_WILDCARD_COMPLEXITY, type WildcardValue, wildcardComplexity } from './wildcard-complexity.js';

/** A test of the event's value at one field; `undefined` means the field is absent. */
export type ValueTest = (value: unknown) => boolean;

function expectString(path: string, operator: string, value: unknown): string {
  if (typeof value !== 'string') fail(path, `${operator} expects a string, got ${describe(value)}`);
  return value;
}

/** `prefix`/`suffix` take a string or `{ "equals-ignore-case": string }`. */
function affix(path: string, operator: 'prefix' | 'suffix', value: unknown): StringTest {
  if (typeof value === 'string') {
    return operator === 'prefix' ? (v) => v.startsWith(value) : (v) => v.endsWith(value);
  }
  if (!isObject(value)) fail(path, `${operator} expects a string or { "equals-ignore-case": string }, got ${describe(value)}`);
  const keys = Object.keys(value);
  if (keys.length !== 1 || keys[0] !== 'equals-ignore-case') {
    fail(path, `${operator} object must have exactly one key, "equals-ignore-case"; got ${describe(keys)}`);
  }
  const text = expectString(path, `${operator} equals-ignore-case`, value['equals-ignore-case']);
  return operator === 'prefix' ? prefixIgnoreCase(text) : suffixIgnoreCase(text);
}

function addMatcher(path: string, parts: LeafParts, matcher: Record<string, unknown>): void {
  const keys = Object.keys(matcher);
  const operator = keys[0];
  if (operator === undefined) fail(path, 'empty matcher object: expected one operator such as "prefix" or "numeric"');
  if (keys.length > 1) fail(path, `a matcher object takes exactly one operator, got ${describe(keys)}`);
  const operand = matcher[operator];
  switch (operator) {
    case 'prefix':
    case 'suffix':
      parts.stringTests.push(affix(path, operator, operand));
      return;
    case 'equals-ignore-case':
      parts.stringTests.push(equalsIgnoreCase(expectString(path, operator, operand)));
      return;
    case 'wildcard': {
      const parsed = parseWildcard(expectString(path, operator, operand));
      if (!parsed.ok) fail(path, `wildcard: ${parsed.reason}`);
      parts.wildcards.push({ owner: `wildcard ${operand as string}`, segments: parsed.segments });
      parts.stringTests.push(compileWildcard(parsed.segments));
      return;
    }
    case 'anything-but':
      parts.anyTests.push(compileAnythingBut(path, operand, (segments) => parts.wildcards.push({ owner: `anything-but ${parts.anyTests.length}`, segments })));
      return;
    case 'numeric':
      parts.numberTests.push(compileNumeric(path, operand));
      return;
    case 'exists':
      if (typeof operand !== 'boolean') fail(path, `exists expects true or false, got ${describe(operand)}`);
      if (operand) parts.existsTrue = true;
      else parts.existsFalse = true;
      return;
    case 'cidr': {
      const range = parseCidr(expectString(path, operator, operand));
      if (typeof range === 'string') fail(path, range);
      parts.ranges.push(range);
      return;
    }
    default:
      fail(path, `unknown operator "${operator}"`);
  }
}

function addValue(path: string, parts: LeafParts, value: unknown): void {
  switch (typeof value) {
    case 'string': {
      parts.strings.add(value);
      // event-ruler matches an IP literal as an address, so "2001:db8::1" also matches "2001:DB8:0::1".
      const words = newIpWords();
      const family = parseIp(value, words);
      if (family !== 0) parts.ips.push({ family, words });
      return;
    }
    case 'number':
      if (!Number.isFinite(value)) fail(path, `numbers must be finite, got ${describe(value)}`);
      parts.numbers.add(value);
      return;
    case 'boolean':
      if (value) parts.matchTrue = true;
      else parts.matchFalse = true;
      return;
    default:
      if (value === null) parts.matchNull = true;
      else if (isObject(value)) addMatcher(path, parts, value);
      else fail(path, `values must be strings, numbers, booleans, null or matcher objects, got ${describe(value)}`);
  }
}

const isScalar = (v: unknown): v is string | number | boolean | null => v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

/**
 * Flattens nested arrays iteratively, skipping arrays already seen, so neither depth nor a cycle in a
 * hand-built event can exhaust the stack. Only reached when an event array holds arrays.
 */
export function flattenArrays(root: readonly unknown[]): unknown[] {
  const flat: unknown[] = [];
  const seen = new Set<readonly unknown[]>([root]);
  const stack: { readonly items: readonly unknown[]; index: number }[] = [{ items: root, index: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as { readonly items: readonly unknown[]; index: number };
    if (top.index >= top.items.length) {
      stack.pop();
      continue;
    }
    const item = top.items[top.index++];
    if (Array.isArray(item)) {
      if (!seen.has(item)) {
        seen.add(item);
        stack.push({ items: item, index: 0 });
      }
    } else {
      flat.push(item);
    }
  }
  return flat;
}

/** Refuses a leaf whose wildcards EventBridge would refuse, with its words and the measured count. */
function checkWildcardComplexity(path: string, wildcards: readonly WildcardValue[]): void {
  if (wildcards.length === 0) return;
  const complexity = wildcardComplexity(wildcards, { cap: MAX_WILDCARD_COMPLEXITY });
  if (complexity <= MAX_WILDCARD_COMPLEXITY) return;
  if (!Number.isFinite(complexity)) fail(path, 'wildcard values too long to measure their complexity (EventBridge refuses patterns over 4096 characters)');
  fail(
    path,
    'rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character ' +
      `(a value can keep ${complexity} wildcard prefixes open at once; EventBridge allows ${MAX_WILDCARD_COMPLEXITY})`,
  );
}

/** Validates a leaf array and compiles it into a test of the event value at that field. */
export function compileLeaf(path: string, values: readonly unknown[]): ValueTest {
  return compileLeafTests(path, values).test;
}

/** A leaf's test, and the same test for a value known to be a string (one call fewer, for routing's loops). */
export interface LeafTests {
  readonly test: ValueTest;
  readonly onString: StringTest;
}

/** `compileLeaf`, with the leaf's test of string values beside it. */
export function compileLeafTests(path: string, values: readonly unknown[]): LeafTests {
  if (values.length === 0) fail(path, 'empty arrays are not allowed: list at least one value or matcher');
  const parts: LeafParts = {
    strings: new Set(),
    numbers: new Set(),
    ips: [],
    ranges: [],
    stringTests: [],
    numberTests: [],
    anyTests: [],
    wildcards: [],
    matchTrue: false,
    matchFalse: false,
    matchNull: false,
    existsTrue: false,
    existsFalse: false,
  };
  for (const value of values) {
    if (Array.isArray(value)) fail(path, 'nested arrays are not allowed in a pattern value list');
    addValue(path, parts, value);
  }
  checkWildcardComplexity(path, parts.wildcards);
  const { existsTrue, existsFalse } = parts;
  const matchesScalar: ScalarTest = existsTrue ? () => true : scalarTest(parts);
  const onString: StringTest = existsTrue ? matchesScalar : stringTestOf(parts, matchesScalar);

  const matchesFlat = (items: readonly unknown[]): boolean => {
    let sawLeaf = false;
    for (const item of items) {
      if (isScalar(item)) {
        if (matchesScalar(item)) return true;
        sawLeaf = true;
      }
    }
    return existsFalse && !sawLeaf;
  };

  const test: ValueTest = (value) => {
    // Strings first: the usual value, tested in one check.
    if (typeof value === 'string' || isScalar(value)) return matchesScalar(value);
    if (!Array.isArray(value)) return existsFalse; // absent, or an object: not a leaf
    let sawLeaf = false;
    for (const item of value) {
      if (isScalar(item)) {
        if (matchesScalar(item)) return true;
        sawLeaf = true;
      } else if (Array.isArray(item)) {
        return matchesFlat(flattenArrays(value));
      }
    }
    return existsFalse && !sawLeaf;
  };
  return { test, onString };
}
