/**
 * A rule's flow-control fields (`debounce`, `throttle`, `concurrency`, `rateLimit`, `batch`, `cancelOn`; see docs/rules.md,
 * "Flow control"): what they say, and how they are read from a rule's YAML, each problem at the node that causes it.
 */
import { parseDuration } from '../config/engine-config.js';
import { compilePattern, InvalidPatternError } from '../pattern/index.js';
import { fieldPathProblem, normaliseCorrelateBy } from './field-path.js';
import type { EventPattern } from './types.js';
import { expectMap, expectSeq, readKeys, readValue, show, sub, type Entry, type KeySpec, type NodeReader } from './yaml-nodes.js';

/** The key every flow-control field reads unless it names another: the correlation the execution gets. */
export const CORRELATION_KEY = 'correlationId';

/** The most a `limit` or a `maxSize` may be: the state of a key keeps one entry per start it counts. */
export const MAX_FLOW_LIMIT = 1000;

/** What a rule's flow-control fields say, durations in milliseconds. */
export interface FlowControlSpec {
  /** The key's field path in its envelope form (`$.data.tenant`, `$.source`), or `correlationId`. */
  key: string;
  debounce?: { periodMs: number; maxWaitMs?: number };
  throttle?: { limit: number; periodMs: number };
  concurrency?: { limit: number };
  rateLimit?: { limit: number; periodMs: number };
  batch?: { maxSize: number; timeoutMs: number };
  /** Events that stop this rule's running executions of their correlation and drop its queued ones. */
  cancelOn?: Array<{ eventType: string; pattern?: EventPattern }>;
}

/** The rule keys this module reads (read-rule.ts adds them to the rule's known keys). */
export const FLOW_CONTROL_KEYS: readonly KeySpec[] = [
  { name: 'debounce' },
  { name: 'throttle' },
  { name: 'concurrency' },
  { name: 'rateLimit', aliases: ['rate_limit'] },
  { name: 'batch' },
  { name: 'cancelOn', aliases: ['cancel_on'] },
];

type Field = 'limit' | 'period' | 'maxWait' | 'maxSize' | 'timeout';
const SHAPES: Record<'debounce' | 'throttle' | 'concurrency' | 'rateLimit' | 'batch', { required: Field[]; optional: Field[] }> = {
  debounce: { required: ['period'], optional: ['maxWait'] },
  throttle: { required: ['limit', 'period'], optional: [] },
  concurrency: { required: ['limit'], optional: [] },
  rateLimit: { required: ['limit', 'period'], optional: [] },
  batch: { required: ['maxSize', 'timeout'], optional: [] },
};

const limitCheck = (v: unknown): string | undefined =>
  Number.isSafeInteger(v) && (v as number) >= 1 && (v as number) <= MAX_FLOW_LIMIT ? undefined : `must be a whole number from 1 to ${MAX_FLOW_LIMIT}, got ${show(v)}`;
const durationCheck = (v: unknown): string | undefined =>
  typeof v === 'string' && (parseDuration(v) ?? 0) >= 1 ? undefined : `must be a duration such as "500ms", "2s", "1m", "1h" or "1d", got ${show(v)}`;
const keyCheck = (v: unknown): string | undefined =>
  typeof v !== 'string'
    ? `must be a field path such as data.tenant or $.source, got ${show(v)}`
    : v === CORRELATION_KEY
      ? undefined
      : fieldPathProblem(normaliseCorrelateBy(v));

/**
 * Reads the rule's flow-control fields from its entries (`keys`, as read-rule.ts read them).
 * `isJoin`: the rule is a multi-event (`all`) rule, which cannot debounce or batch. Problems go to `r`.
 * @returns the spec, `undefined` when the rule has none, `null` when a field has a problem.
 */
export function readFlowControl(r: NodeReader, keys: Map<string, Entry>, where: string, isJoin: boolean): FlowControlSpec | undefined | null {
  const before = r.issues.length;
  const spec: Partial<FlowControlSpec> = {};
  const keysRead: Array<{ path: string; entry: Entry }> = [];
  for (const name of ['debounce', 'throttle', 'concurrency', 'rateLimit', 'batch'] as const) {
    const entry = keys.get(name);
    if (entry === undefined) continue;
    if (isJoin && (name === 'debounce' || name === 'batch')) {
      r.at(entry.keyNode, `${where}: "${name}" cannot apply to a multi-event ("all") rule, which fires once per correlation already`, name);
      continue;
    }
    const values = readShape(r, entry, sub(where, name), SHAPES[name], keysRead);
    if (values === undefined) continue;
    const ms = (field: Field) => parseDuration(values[field] as string) as number;
    if (name === 'debounce') {
      spec.debounce = { periodMs: ms('period'), ...(values.maxWait === undefined ? {} : { maxWaitMs: ms('maxWait') }) };
      if (spec.debounce.maxWaitMs !== undefined && spec.debounce.maxWaitMs < spec.debounce.periodMs) {
        r.at(entry.value ?? entry.keyNode, `${sub(where, 'debounce')}: maxWait must be at least the period`, 'debounce');
      }
    } else if (name === 'throttle' || name === 'rateLimit') spec[name] = { limit: values.limit as number, periodMs: ms('period') };
    else if (name === 'concurrency') spec.concurrency = { limit: values.limit as number };
    else spec.batch = { maxSize: values.maxSize as number, timeoutMs: ms('timeout') };
  }
  const debounceEntry = keys.get('debounce');
  if (debounceEntry !== undefined && keys.has('batch')) {
    r.at(debounceEntry.keyNode, `${where}: "debounce" and "batch" both collect events into one start; use one of them`, 'debounce');
  }
  const cancelEntry = keys.get('cancelOn');
  if (cancelEntry !== undefined) {
    const cancelOn = readCancelOn(r, cancelEntry, sub(where, 'cancelOn'));
    if (cancelOn !== undefined) spec.cancelOn = cancelOn;
  }
  const distinct = [...new Set(keysRead.map((k) => k.path))];
  if (distinct.length > 1) {
    const second = keysRead.find((k) => k.path !== keysRead[0]?.path) as { entry: Entry };
    r.at(
      second.entry.value ?? second.entry.keyNode,
      `${where}: every flow-control field of a rule reads one key; found ${distinct.map((k) => `"${k}"`).join(' and ')}`,
      'key',
    );
  }
  if (r.issues.length > before) return null;
  if (Object.keys(spec).length === 0) return undefined;
  return { key: distinct[0] ?? CORRELATION_KEY, ...spec };
}

/** One field's mapping: its required and optional settings, and `key`. */
function readShape(
  r: NodeReader,
  entry: Entry,
  where: string,
  shape: { required: Field[]; optional: Field[] },
  keysRead: Array<{ path: string; entry: Entry }>,
): Partial<Record<Field, unknown>> | undefined {
  const map = expectMap(r, entry.value, entry.keyNode, where);
  if (map === undefined) return undefined;
  const before = r.issues.length;
  const fields = [...shape.required, ...shape.optional];
  const entries = readKeys(r, map, [...fields.map((name) => ({ name })), { name: 'key' }], where);
  const values: Partial<Record<Field, unknown>> = {};
  for (const field of fields) {
    const e = entries.get(field);
    if (e === undefined) {
      if (shape.required.includes(field)) r.at(map, `${where}: missing "${field}"`, field);
      continue;
    }
    values[field] = readValue(r, e, where, field === 'limit' || field === 'maxSize' ? limitCheck : durationCheck);
  }
  const keyEntry = entries.get('key');
  if (keyEntry !== undefined) {
    const path = readValue<string>(r, keyEntry, where, keyCheck);
    if (path !== undefined) keysRead.push({ path: canonicalKey(path), entry: keyEntry });
  }
  return r.issues.length > before ? undefined : values;
}

/** A key in its envelope form, so that `tenant`, `data.tenant` and `$.data.tenant` are one key. */
function canonicalKey(path: string): string {
  if (path === CORRELATION_KEY || path.startsWith('$.')) return path;
  const normal = normaliseCorrelateBy(path);
  return normal.startsWith('$.') ? normal : `$.data.${normal}`;
}

function readCancelOn(r: NodeReader, entry: Entry, where: string): FlowControlSpec['cancelOn'] | undefined {
  const items = expectSeq(r, entry.value, entry.keyNode, where);
  if (items === undefined) return undefined;
  if (items.length === 0) r.at(entry.value ?? entry.keyNode, `${where}: list at least one {eventType, pattern?}`, 'cancelOn');
  const before = r.issues.length;
  const cancelOn: NonNullable<FlowControlSpec['cancelOn']> = [];
  items.forEach((item, i) => {
    const at = `${where}[${i}]`;
    const map = expectMap(r, item, entry.keyNode, at);
    if (map === undefined) return;
    const entries = readKeys(r, map, [{ name: 'eventType', aliases: ['event_type'] }, { name: 'pattern' }], at);
    const typeEntry = entries.get('eventType');
    if (typeEntry === undefined) r.at(map, `${at}: missing "eventType"`, 'eventType');
    const eventType =
      typeEntry === undefined
        ? undefined
        : readValue<string>(r, typeEntry, at, (v) =>
            typeof v === 'string' && v !== '' && v !== '*' && v.length <= 256 ? undefined : `must name one event type, got ${show(v)}`,
          );
    const patternEntry = entries.get('pattern');
    let pattern: EventPattern | undefined;
    if (patternEntry !== undefined) {
      const patternMap = expectMap(r, patternEntry.value, patternEntry.keyNode, sub(at, 'pattern'));
      if (patternMap !== undefined) {
        pattern = r.js(patternMap) as EventPattern;
        try {
          compilePattern(pattern);
        } catch (error) {
          if (!(error instanceof InvalidPatternError)) throw error;
          r.at(patternMap, `${sub(at, error.path === '' ? 'pattern' : `pattern.${error.path}`)}: ${error.reason}`, 'pattern');
        }
      }
    }
    if (eventType !== undefined) cancelOn.push(pattern === undefined ? { eventType } : { eventType, pattern });
  });
  return r.issues.length > before ? undefined : cancelOn;
}
