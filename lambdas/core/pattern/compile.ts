/**
 * Compiles an EventBridge event pattern into nested closures, validating it on the way exactly once;
 * matching then walks only the fields the pattern names and allocates nothing on the usual path.
 */
import { dottedChild, expandDottedKeys } from './dotted.js';
import { describe, fail, isObject } from './errors.js';
import { compileLeaf, compileLeafTests, flattenArrays, type ValueTest } from './leaf.js';

/** A compiled pattern. */
export interface CompiledPattern {
  /** Whether `event` (a parsed JSON value) matches the pattern. Never throws for JSON values. */
  matches(event: unknown): boolean;
}

/**
 * Deepest nesting of objects (and `$or` branches) a pattern may have. EventBridge caps a pattern at
 * 4096 characters (2048 by default), and each level costs at least five (`{"":` and `}`), so no pattern
 * it accepts is deeper than ~820 levels; refusing deeper ones keeps compiling and matching off the
 * stack's edge without rejecting anything EventBridge takes.
 */
export const MAX_PATTERN_DEPTH = 1000;

/**
 * Inside `$or`, event-ruler refuses field names that are (or are reserved as) operators, since
 * `{"$or": [{"prefix": ...}, ...]}` is almost certainly a misplaced matcher.
 */
const RESERVED_IN_OR = new Set([
  'exactly',
  'equals-ignore-case',
  'prefix',
  'suffix',
  'anything-but',
  'exists',
  'wildcard',
  'numeric',
  'cidr',
  'html',
  '=',
  '<',
  '<=',
  '>',
  '>=',
  'regex',
  'not-wildcard',
  'not-equals-ignore-case',
  'date-after',
  'date-on-or-after',
  'date-before',
  'date-on-or-before',
  'in-date-range',
  'ip-address-in-range',
  'ip-address-not-in-range',
]);

/** A compiled pattern object: a test of an event object, and its (constant) result when the object is absent. */
interface ObjectMatcher {
  readonly test: (object: Record<string, unknown>) => boolean;
  readonly absent: boolean;
}

const join = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);

function compileOr(path: string, branches: unknown, depth: number): ObjectMatcher[] {
  const orPath = join(path, '$or');
  if (!Array.isArray(branches)) fail(orPath, `$or expects an array of at least two objects, got ${describe(branches)}`);
  if (branches.length < 2) fail(orPath, `$or needs at least two alternatives, got ${branches.length}`);
  return branches.map((branch: unknown, i) => {
    const branchPath = `${orPath}[${i}]`;
    if (!isObject(branch)) fail(branchPath, `$or alternatives must be objects, got ${describe(branch)}`);
    return compileObject(branchPath, branch, depth + 1, true);
  });
}

/** Tests a field whose pattern is an object: objects are matched, arrays element-wise, anything else is absent. */
function nestedTest(child: ObjectMatcher): ValueTest {
  const { test, absent } = child;
  const anyElement = (items: readonly unknown[]): boolean => {
    let sawObject = false;
    for (const item of items) {
      if (isObject(item)) {
        if (test(item)) return true;
        sawObject = true;
      }
    }
    return !sawObject && absent;
  };
  return (value) => {
    if (typeof value !== 'object' || value === null) return absent;
    if (!Array.isArray(value)) return test(value as Record<string, unknown>);
    for (const item of value) if (Array.isArray(item)) return anyElement(flattenArrays(value));
    return anyElement(value);
  };
}

function compileObject(path: string, pattern: Record<string, unknown>, depth: number, inOr: boolean): ObjectMatcher {
  if (depth > MAX_PATTERN_DEPTH) fail(path, `pattern is nested deeper than ${MAX_PATTERN_DEPTH} levels`);
  const keys: string[] = [];
  const nested: boolean[] = [];
  const tests: ValueTest[] = [];
  const alternatives: ObjectMatcher[][] = [];
  const names = Object.keys(pattern);
  if (names.length === 0) fail(path, 'empty objects are not allowed');

  for (const key of names) {
    const value = pattern[key];
    if (key === '$or') {
      alternatives.push(compileOr(path, value, depth));
      continue;
    }
    const fieldPath = join(path, key);
    if (inOr && RESERVED_IN_OR.has(key)) {
      fail(fieldPath, `"${key}" is an operator name and cannot be used as a field name inside $or`);
    }
    if (Array.isArray(value)) {
      tests.push(compileLeaf(fieldPath, value));
    } else if (isObject(value)) {
      tests.push(nestedTest(compileObject(fieldPath, value, depth + 1, inOr)));
    } else {
      fail(fieldPath, `must be an object or an array of values, got ${describe(value)}`);
    }
    keys.push(key);
    nested.push(isObject(value));
  }

  const absent = tests.every((t) => t(undefined)) && alternatives.every((group) => group.some((b) => b.absent));
  const count = keys.length;
  const test = (object: Record<string, unknown>): boolean => {
    for (let i = 0; i < count; i++) {
      const key = keys[i] as string;
      // Own properties only: an event key never resolves through the prototype chain. An absent
      // object may be spelled with dotted keys (`"state.status"` for `state: {status}`).
      const value = Object.hasOwn(object, key) ? object[key] : nested[i] === true ? dottedChild(object, key) : undefined;
      if (!(tests[i] as ValueTest)(value)) return false;
    }
    for (const group of alternatives) {
      let any = false;
      for (const branch of group) {
        if (branch.test(object)) {
          any = true;
          break;
        }
      }
      if (!any) return false;
    }
    return true;
  };
  return { test, absent };
}

const MATCH_ALL: CompiledPattern = Object.freeze({ matches: () => true });

/**
 * Validates `pattern` and compiles it. `{}` matches every event. Keys such as `__proto__` or
 * `constructor` are ordinary field names, looked up as own properties of the event only.
 *
 * @throws InvalidPatternError naming the offending path and the reason.
 * @example
 * const p = compilePattern({ source: ['aws.ec2'], detail: { state: [{ 'anything-but': 'pending' }] } });
 * p.matches({ source: 'aws.ec2', detail: { state: 'running' } }); // true
 */
export function compilePattern(pattern: unknown): CompiledPattern {
  if (!isObject(pattern)) fail('', `a pattern must be a JSON object, got ${describe(pattern)}`);
  if (Object.keys(pattern).length === 0) return MATCH_ALL;
  const matchValue = nestedTest(compileObject('', expandDottedKeys(pattern, MAX_PATTERN_DEPTH), 1, false));
  return Object.freeze({ matches: (event: unknown) => matchValue(event) });
}

/** One leaf of a pattern: the path from the event's root and the test of the value found there. */
export interface PatternLeaf {
  readonly segments: readonly string[];
  readonly test: ValueTest;
  /** `test` for a value known to be a string. */
  readonly onString: (value: string) => boolean;
}

/** More alternatives than this and a pattern is matched whole: the expansion would cost more than it saves. */
export const MAX_LEAF_GROUPS = 16;

/**
 * A pattern, already validated by `compilePattern`, as alternatives of leaves: it matches when every
 * leaf of some group holds (its `$or`s multiplied out, as event-ruler expands them into sub-rules).
 * This is the form that lets a router read each field once for many rules. `undefined` past
 * `MAX_LEAF_GROUPS` alternatives. Its answers equal `compilePattern`'s while no object on a leaf's
 * path is an array: the caller falls back to the compiled pattern for events where one is (see
 * rules/flat-candidates.ts and field-slots.ts).
 */
export function compileLeafGroups(pattern: Record<string, unknown>): PatternLeaf[][] | undefined {
  const groups = expand(expandDottedKeys(pattern, MAX_PATTERN_DEPTH), []);
  return groups === undefined ? undefined : groups.map((group) => group.map(({ segments, values }) => ({ segments, ...compileLeafTests(segments.join('.'), values) })));
}

type RawLeaf = { segments: string[]; values: unknown[] };

/** The object's alternatives (each a list of leaves), or `undefined` when there are too many. */
function expand(node: Record<string, unknown>, at: string[]): RawLeaf[][] | undefined {
  let groups: RawLeaf[][] = [[]];
  const and = (alternatives: RawLeaf[][]): boolean => {
    if (groups.length * alternatives.length > MAX_LEAF_GROUPS) return false;
    groups = groups.flatMap((group) => alternatives.map((alternative) => [...group, ...alternative]));
    return true;
  };
  for (const key of Object.keys(node)) {
    const value = node[key];
    if (key === '$or') {
      const alternatives: RawLeaf[][] = [];
      for (const branch of value as Record<string, unknown>[]) {
        const expanded = expand(branch, at);
        if (expanded === undefined) return undefined;
        alternatives.push(...expanded);
      }
      if (!and(alternatives)) return undefined;
    } else if (Array.isArray(value)) {
      for (const group of groups) group.push({ segments: [...at, key], values: value });
    } else {
      const inner = expand(value as Record<string, unknown>, [...at, key]);
      if (inner === undefined || !and(inner)) return undefined;
    }
  }
  return groups;
}
