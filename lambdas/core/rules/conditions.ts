/**
 * The seed's `conditions` as EventBridge pattern fragments: each `{field, op, value}` becomes a leaf
 * of a pattern over the envelope, so conditions and `pattern` share one matcher and one semantics.
 */
import { fieldSegments } from './field-path.js';
import { CONDITION_OPS, type Condition, type ConditionOp, type EventPattern } from './types.js';

const OPS: ReadonlySet<string> = new Set(CONDITION_OPS);

/** Whether `op` names a condition operator. */
export const isConditionOp = (op: unknown): op is ConditionOp => typeof op === 'string' && OPS.has(op);

const kind = (value: unknown): string => {
  if (value === null) return 'null';
  if (Array.isArray(value)) {
    const text = JSON.stringify(value);
    return `the list ${text.length > 60 ? `${text.slice(0, 60)}…` : text}`;
  }
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)}`;
  return typeof value === 'object' ? 'a mapping' : `${typeof value} ${String(value)}`;
};

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isScalar = (v: unknown): boolean => v === null || typeof v === 'string' || typeof v === 'boolean' || isNumber(v);

/**
 * Why `value` does not suit `op`, or `undefined` when it does. `hasValue` tells a missing `value`
 * from an explicit `null`. Range limits (±5e9) and CIDR syntax are left to the pattern compiler.
 */
export function conditionValueProblem(op: ConditionOp, value: unknown, hasValue: boolean): string | undefined {
  if (!hasValue) return op === 'exists' ? undefined : `${op} needs a value`;
  switch (op) {
    case 'equals':
      if (Array.isArray(value)) return 'equals takes one value; use op: in for a list of values';
      return isScalar(value) ? undefined : `equals needs a string, number, boolean or null, got ${kind(value)}`;
    case 'not_equals':
      if (Array.isArray(value)) return 'not_equals takes one value; use op: not_in for a list of values';
      return typeof value === 'string' || isNumber(value) ? undefined : `not_equals needs a string or a number, got ${kind(value)}`;
    case 'in':
      if (!Array.isArray(value) || value.length === 0) return `in needs a non-empty list of values, got ${kind(value)}`;
      return value.every(isScalar) ? undefined : 'in takes only strings, numbers, booleans and null';
    case 'not_in': {
      if (!Array.isArray(value) || value.length === 0) return `not_in needs a non-empty list of values, got ${kind(value)}`;
      const strings = value.every((v) => typeof v === 'string');
      return strings || value.every(isNumber) ? undefined : 'not_in takes a list of only strings or only numbers';
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return isNumber(value) ? undefined : `${op} needs a number, got ${kind(value)}`;
    case 'between':
      if (!Array.isArray(value) || value.length !== 2 || !value.every(isNumber)) return `between needs a list of two numbers [low, high], got ${kind(value)}`;
      return (value[0] as number) <= (value[1] as number) ? undefined : `between needs low ≤ high, got [${value.join(', ')}]`;
    case 'exists':
      return typeof value === 'boolean' ? undefined : `exists needs true or false, got ${kind(value)}`;
    case 'prefix':
    case 'suffix':
      if (value === '') return `${op} needs a non-empty string`;
      return typeof value === 'string' ? undefined : `${op} needs a string, got ${kind(value)}`;
    case 'contains':
    case 'wildcard':
    case 'cidr':
    case 'equals_ignore_case':
      return typeof value === 'string' ? undefined : `${op} needs a string, got ${kind(value)}`;
  }
}

/** `contains: x` → the wildcard `*x*`, with `*` and `\` in x escaped. */
export const containsWildcard = (text: string): string => (text === '' ? '*' : `*${text.replace(/[\\*]/g, '\\$&')}*`);

const NUMERIC_OP: Record<'gt' | 'gte' | 'lt' | 'lte', string> = { gt: '>', gte: '>=', lt: '<', lte: '<=' };

/**
 * The pattern leaf (the array of values and matchers under one field) for a valid condition.
 * @example conditionLeaf({ field: 'plan.seats', op: 'gte', value: 5 }) // [{ numeric: ['>=', 5] }]
 */
export function conditionLeaf(condition: Condition): unknown[] {
  const value = condition.value;
  const op = condition.op ?? 'equals';
  switch (op) {
    case 'equals':
      return [value];
    case 'not_equals':
    case 'not_in':
      return [{ 'anything-but': value }];
    case 'in':
      return [...(value as unknown[])];
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return [{ numeric: [NUMERIC_OP[op], value] }];
    case 'between': {
      const [low, high] = value as [number, number];
      return [{ numeric: low === high ? ['=', low] : ['>=', low, '<=', high] }];
    }
    case 'exists':
      return [{ exists: value !== false }];
    case 'prefix':
    case 'suffix':
    case 'wildcard':
    case 'cidr':
      return [{ [op]: value }];
    case 'contains':
      return [{ wildcard: containsWildcard(value as string) }];
    case 'equals_ignore_case':
      return [{ 'equals-ignore-case': value }];
  }
}

/** The pattern that holds exactly when one condition does. */
export function conditionPattern(condition: Condition): EventPattern {
  return nest(fieldSegments(condition.field), conditionLeaf(condition));
}

function nest(segments: readonly string[], leaf: unknown[]): EventPattern {
  let node: unknown = leaf;
  for (let i = segments.length - 1; i >= 0; i--) node = { [segments[i] as string]: node };
  return node as EventPattern;
}

/**
 * Conditions (all must hold) → patterns (all must match), packed into as few patterns as possible.
 * Two conditions share a pattern only when their paths part at the envelope or directly under `data`
 * (both always objects): deeper down an array of objects would make one pattern demand that both
 * hold in the same element, while conditions are independent. Pure; the property tests rely on it.
 * @example conditionsToPattern([{ field: 'user_type', value: 'premium' }, { field: '$.source', op: 'prefix', value: 'web-' }])
 * // [{ data: { user_type: ['premium'] }, source: [{ prefix: 'web-' }] }]
 */
export function conditionsToPattern(conditions: readonly Condition[]): EventPattern[] {
  const groups: { pattern: EventPattern; roots: Set<string> }[] = [];
  for (const condition of conditions) {
    const segments = fieldSegments(condition.field);
    // Paths below data.<x> (or below a top-level envelope field) may cross arrays: key on that root.
    const root = segments[0] === 'data' && segments.length > 1 ? `data.${segments[1]}` : (segments[0] as string);
    let group = root === 'data' ? undefined : groups.find((g) => !g.roots.has(root) && !g.roots.has('data'));
    if (group === undefined) {
      group = { pattern: {}, roots: new Set() };
      groups.push(group);
    }
    group.roots.add(root);
    insert(group.pattern, segments, conditionLeaf(condition));
  }
  return groups.map((g) => g.pattern);
}

function insert(target: EventPattern, segments: readonly string[], leaf: unknown[]): void {
  let node = target;
  for (let i = 0; i < segments.length - 1; i++) {
    const key = segments[i] as string;
    const next = Object.hasOwn(node, key) ? node[key] : undefined;
    if (next === undefined) {
      const child: EventPattern = {};
      Object.defineProperty(node, key, { value: child, enumerable: true, writable: true, configurable: true });
      node = child;
    } else node = next as EventPattern;
  }
  Object.defineProperty(node, segments[segments.length - 1] as string, { value: leaf, enumerable: true, writable: true, configurable: true });
}
