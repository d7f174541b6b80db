/**
 * A reference reading of what a condition means, written from the EventBridge user guide and not
 * from the matcher: the value at the field path, with arrays in the event meaning "any element"
 * (objects in an array are alternative paths; nested arrays are flattened), tested by the operator.
 * The property tests compare the compiled rules against it.
 */
import { fieldSegments, type Condition } from '../../../lambdas/core/index.js';

type Scalar = string | number | boolean | null;
const isScalar = (v: unknown): v is Scalar => v === null || ['string', 'number', 'boolean'].includes(typeof v);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const LIMIT = 5e9;

function flatten(items: readonly unknown[]): unknown[] {
  return items.flatMap((item) => (Array.isArray(item) ? flatten(item) : [item]));
}

/** Each way down the path: the value found there (`undefined` when the path ends early). */
function valuesAt(node: unknown, segments: readonly string[]): unknown[] {
  if (segments.length === 0) return [node];
  if (Array.isArray(node)) {
    const objects = flatten(node).filter(isObject);
    return objects.length === 0 ? [undefined] : objects.flatMap((o) => valuesAt(o, segments));
  }
  if (!isObject(node)) return [undefined];
  const [head, ...rest] = segments as [string, ...string[]];
  return valuesAt(Object.hasOwn(node, head) ? node[head] : undefined, rest);
}

/** The leaf values of one found value: a scalar, or the scalars of an array. */
const leaves = (value: unknown): Scalar[] => (isScalar(value) ? [value] : Array.isArray(value) ? flatten(value).filter(isScalar) : []);

function ipv4(text: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (m === null) return undefined;
  const parts = m.slice(1).map(Number);
  return parts.every((p) => p <= 255) ? parts.reduce((n, p) => n * 256 + p, 0) : undefined;
}

function wildcardRegex(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string;
    if (ch === '\\') source += (pattern[++i] as string).replace(/[\\*]/, '\\$&');
    else if (ch === '*') source += '[\\s\\S]*';
    else source += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** Whether one leaf value satisfies the operator. */
function leafHolds(op: NonNullable<Condition['op']>, value: unknown, v: Scalar): boolean {
  const n = typeof v === 'number' ? v : NaN;
  const s = typeof v === 'string' ? v : undefined;
  switch (op) {
    case 'equals':
      return v === value;
    case 'in':
      return (value as Scalar[]).includes(v);
    case 'not_equals':
    case 'not_in': {
      const excluded = Array.isArray(value) ? (value as Scalar[]) : [value as Scalar];
      return typeof v !== typeof excluded[0] || !excluded.includes(v);
    }
    case 'gt':
      return n > (value as number) && n <= LIMIT;
    case 'gte':
      return n >= (value as number) && n <= LIMIT;
    case 'lt':
      return n < (value as number) && n >= -LIMIT;
    case 'lte':
      return n <= (value as number) && n >= -LIMIT;
    case 'between': {
      const [low, high] = value as [number, number];
      return low === high ? n === low : n >= low && n <= high;
    }
    case 'prefix':
      return s?.startsWith(value as string) === true;
    case 'suffix':
      return s?.endsWith(value as string) === true;
    case 'contains':
      return s?.includes(value as string) === true;
    case 'wildcard':
      return s !== undefined && wildcardRegex(value as string).test(s);
    case 'equals_ignore_case':
      return s !== undefined && s.toLowerCase() === (value as string).toLowerCase();
    case 'cidr': {
      const [base, bits] = (value as string).split('/') as [string, string];
      const ip = s === undefined ? undefined : ipv4(s);
      const block = 2 ** (32 - Number(bits));
      return ip !== undefined && Math.floor(ip / block) === Math.floor((ipv4(base) as number) / block);
    }
    case 'exists':
      return true;
  }
}

/** Whether the event satisfies the condition. */
export function conditionHolds(condition: Condition, event: unknown): boolean {
  const op = condition.op ?? 'equals';
  return valuesAt(event, fieldSegments(condition.field)).some((found) => {
    const values = leaves(found);
    if (op === 'exists') return condition.value === false ? values.length === 0 : values.length > 0;
    return values.some((v) => leafHolds(op, condition.value, v));
  });
}

/** Whether the event satisfies every condition. */
export const conditionsHold = (conditions: readonly Condition[], event: unknown): boolean => conditions.every((c) => conditionHolds(c, event));
