/**
 * A second index level under the event type: most rules of a type test one field for equality
 * (`user_type: premium`), so the router reads that field once and meets only the rules that want
 * the event's value, plus those that do not test it. The equality that selected a rule is dropped
 * from what is left to check (its "residual"). Anything unusual (an array on the path, a value that
 * could be an IP address) falls back to the full list and the full matchers, so answers never change.
 */
import { compileLeafGroups, compilePattern } from '../pattern/index.js';
import { conditionsToPattern } from './conditions.js';
import { fieldSegments } from './field-path.js';
import { compilePathReader, SEVERAL } from './field-slots.js';
import { groupsOfAll, type Matcher } from './flat-candidates.js';
import type { Condition, EventPattern, Rule } from './types.js';

export { SEVERAL } from './field-slots.js';
export type { Matcher } from './flat-candidates.js';

const ALWAYS: Matcher = Object.freeze({ matches: () => true, groups: [[]] });

/**
 * Compiled matchers by content. Rule sets repeat themselves (the same `amount gt 100` under many
 * types), and sharing one compiled matcher keeps the memory an event touches small.
 */
export class MatcherCache {
  private readonly byKey = new Map<string, Matcher>();

  /** A matcher for "every pattern matches" (conditions first, then the rule's pattern). */
  all(patterns: readonly EventPattern[]): Matcher {
    const parts = patterns.filter((p) => Object.keys(p).length > 0).map((p) => ({ key: stableJson(p), pattern: p }));
    if (parts.length === 0) return ALWAYS;
    const key = parts.map((p) => p.key).join('\u0000');
    let matcher = this.byKey.get(key);
    if (matcher === undefined) {
      matcher = parts.length === 1 ? compileOne((parts[0] as { pattern: EventPattern }).pattern) : every(parts.map((p) => this.all([p.pattern])));
      this.byKey.set(key, matcher);
    }
    return matcher;
  }
}

function compileOne(pattern: EventPattern): Matcher {
  const { matches } = compilePattern(pattern);
  const groups = compileLeafGroups(pattern);
  return groups === undefined ? { matches } : { matches, groups };
}

function every(matchers: readonly Matcher[]): Matcher {
  const matches = (event: unknown): boolean => {
    for (const matcher of matchers) if (!matcher.matches(event)) return false;
    return true;
  };
  const groups = groupsOfAll(matchers);
  return groups === undefined ? { matches } : { matches, groups };
}

/** JSON with object keys sorted, so that patterns equal in meaning share a key. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The rule's conditions and pattern as one matcher (event type aside). */
export function compileRuleMatcher(rule: Pick<Rule, 'conditions' | 'pattern'>, cache = new MatcherCache()): Matcher {
  const patterns = conditionsToPattern(rule.conditions);
  if (rule.pattern !== undefined) patterns.push(rule.pattern);
  return cache.all(patterns);
}

type Scalar = string | number | boolean | null;

/** An equality a rule requires: the field's path, the values it accepts, and the rest of the rule. */
export interface EqualityKey {
  path: string;
  values: readonly Scalar[];
  residual: () => Matcher;
}

// A string that may parse as an IP address matches other spellings of that address: never index it.
const indexable = (v: unknown): v is Scalar =>
  v === null || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && !(/^[0-9a-fA-F.:]+$/.test(v) && /[.:]/.test(v)));

/** The equalities a rule requires, by path (`data.user_type`), from its conditions and its pattern. */
export function equalityKeys(rule: Rule, cache: MatcherCache): EqualityKey[] {
  const keys: EqualityKey[] = [];
  rule.conditions.forEach((condition, i) => {
    const op = condition.op ?? 'equals';
    const values = op === 'equals' ? [condition.value] : op === 'in' ? (condition.value as unknown[]) : undefined;
    if (values === undefined || !values.every(indexable)) return;
    const rest: Condition[] = rule.conditions.filter((_, j) => j !== i);
    keys.push({ path: fieldSegments(condition.field).join('.'), values, residual: () => compileRuleMatcher({ conditions: rest, ...withPattern(rule.pattern) }, cache) });
  });
  if (rule.pattern !== undefined) {
    for (const { segments, values } of patternEqualities(rule.pattern, [])) {
      const rest = withoutLeaf(rule.pattern, segments);
      keys.push({ path: segments.join('.'), values, residual: () => compileRuleMatcher({ conditions: rule.conditions, ...withPattern(rest) }, cache) });
    }
  }
  return keys;
}

const withPattern = (pattern: EventPattern | undefined): { pattern?: EventPattern } => (pattern === undefined ? {} : { pattern });

/** Leaves of plain values reached through objects only (not through `$or`, which is not required). */
function patternEqualities(pattern: EventPattern, at: string[]): Array<{ segments: string[]; values: Scalar[] }> {
  const found: Array<{ segments: string[]; values: Scalar[] }> = [];
  for (const key of Object.keys(pattern)) {
    if (key === '$or' || key.includes('.')) continue;
    const value = pattern[key];
    if (Array.isArray(value)) {
      if (value.length > 0 && value.every(indexable)) found.push({ segments: [...at, key], values: value });
    } else if (typeof value === 'object' && value !== null && at.length < 8) {
      found.push(...patternEqualities(value as EventPattern, [...at, key]));
    }
  }
  return found;
}

/** The pattern without the leaf at `segments`, dropping objects left empty. */
function withoutLeaf(pattern: EventPattern, segments: readonly string[]): EventPattern | undefined {
  const [head, ...rest] = segments as [string, ...string[]];
  const copy: EventPattern = {};
  for (const key of Object.keys(pattern)) {
    if (key !== head) Object.defineProperty(copy, key, { value: pattern[key], enumerable: true, writable: true, configurable: true });
  }
  if (rest.length > 0) {
    const inner = withoutLeaf(pattern[head] as EventPattern, rest);
    if (inner !== undefined) Object.defineProperty(copy, head, { value: inner, enumerable: true, writable: true, configurable: true });
  }
  return Object.keys(copy).length === 0 ? undefined : copy;
}

/**
 * Reads a path for the index: a scalar, `undefined` (absent or not a scalar), or `SEVERAL`. The path
 * reader of the leaf tests, plus the index's rule for what it reads: an array holds several values, an
 * object none that equality could select.
 */
export function compileKeyReader(path: string): (event: unknown) => unknown {
  const read = compilePathReader(path.split('.'));
  return (event) => {
    const value = read(event);
    if (Array.isArray(value)) return SEVERAL;
    return value !== null && typeof value === 'object' ? undefined : value;
  };
}
