/**
 * Reads one trigger rule from its YAML node: the rule language's keys (and the seed's snake_case spellings),
 * each value checked where it is written; conditions and patterns are compiled once to prove them.
 */
import { CONTROL_CHARS } from '../envelope.js';
import { compilePattern, InvalidPatternError } from '../pattern/index.js';
import { WORKFLOW_ID } from '../workflows.js';
import { conditionPattern, conditionValueProblem, isConditionOp } from './conditions.js';
import { fieldPathProblem, normaliseCorrelateBy } from './field-path.js';
import { FLOW_CONTROL_KEYS, readFlowControl } from './flow-control.js';
import { parseDuration } from '../config/engine-config.js';
import { readScheduleFields, SCHEDULE_FIRED, SCHEDULE_KEYS, schedulePattern } from './schedule.js';
import type { Condition, JoinSpec, Rule } from './types.js';
import { checks, expectMap, expectSeq, readKeys, readValue, show, sub, valueNode, type Entry, type KeySpec, type NodeReader, type SourceNode } from './yaml-nodes.js';

/** `[a-z0-9-]`, starting and ending with a letter or digit, at most 64 characters. */
export const RULE_ID = /^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$/;

const RULE_KEYS: readonly KeySpec[] = [
  { name: 'id' },
  { name: 'eventType', aliases: ['event_type'] },
  { name: 'workflow', aliases: ['workflow_id', 'workflowId'] },
  { name: 'priority' },
  { name: 'conditions' },
  { name: 'pattern' },
  { name: 'stop' },
  { name: 'correlateBy', aliases: ['correlate_by'] },
  { name: 'enabled' },
  { name: 'all' },
  { name: 'within' },
  ...SCHEDULE_KEYS,
  ...FLOW_CONTROL_KEYS,
];
const CONDITION_KEYS: readonly KeySpec[] = [{ name: 'field' }, { name: 'op' }, { name: 'value' }];

// Event types follow the envelope's rule for `type`: 1–256 printable characters.
const eventTypeProblem = (v: unknown): string | undefined =>
  typeof v !== 'string' || v === ''
    ? `an event type must be non-empty text, got ${show(v)}`
    : v.length > 256
      ? 'an event type has at most 256 characters'
      : CONTROL_CHARS.test(v)
        ? 'an event type must not contain control characters'
        : undefined;

/** How the rule's id is obtained when it has none (the seed's rules carry no id). */
export type IdPolicy = { required: true } | { required: false; generate: (rule: { eventType: string | string[]; workflow: string }) => string };

/**
 * Reads the rule at `node` (`parent`: where to point when the item is empty); `label` names it in
 * messages (`rules[2]`). Problems go to `r`; returns `undefined` when the rule has any.
 */
export function readRule(r: NodeReader, node: SourceNode | null, parent: SourceNode, label: string, ids: IdPolicy): Rule | undefined {
  const before = r.issues.length;
  const map = expectMap(r, node, parent, label);
  if (map === undefined) return undefined;
  const written = r.js(r.deref(map.get('id', true) ?? null));
  const named = typeof written === 'string' && RULE_ID.test(written) ? `rule "${written}"` : label;
  const keys = readKeys(r, map, RULE_KEYS, named);
  const idEntry = keys.get('id');
  const id =
    idEntry === undefined
      ? undefined
      : readValue<string>(r, idEntry, label, (v) =>
          typeof v === 'string' && RULE_ID.test(v)
            ? undefined
            : `must be lowercase letters, digits and dashes (at most 64, not starting or ending with a dash), got ${show(v)}`,
        );
  const where = id === undefined ? label : named;
  if (idEntry === undefined && ids.required) r.at(map, `${label}: missing "id" (lowercase letters, digits and dashes)`, 'id');

  const schedule = readScheduleFields(r, keys, where);
  const join = keys.has('schedule') ? undefined : readJoin(r, map, keys, where);
  const eventType =
    schedule !== undefined
      ? SCHEDULE_FIRED
      : join !== undefined
        ? join.types
        : keys.has('all') || keys.has('schedule')
          ? undefined
          : required(r, map, keys, where, 'eventType', (e) => readEventType(r, e, where));
  const workflow = required(r, map, keys, where, 'workflow', (e) =>
    readValue<string>(r, e, where, (v) => (typeof v === 'string' && WORKFLOW_ID.test(v) ? undefined : `must name a workflow (letters, digits, _ and -), got ${show(v)}`)),
  );
  const priorityEntry = keys.get('priority');
  const priority = priorityEntry === undefined ? 0 : readValue<number>(r, priorityEntry, where, checks.integer);
  const conditionsEntry = keys.get('conditions');
  const conditions = conditionsEntry === undefined ? [] : readConditions(r, conditionsEntry, where);
  const patternEntry = keys.get('pattern');
  const pattern = patternEntry === undefined ? undefined : readPattern(r, patternEntry, where);
  const flag = (name: string, fallback: boolean): boolean | undefined => {
    const entry = keys.get(name);
    return entry === undefined ? fallback : readValue<boolean>(r, entry, where, checks.boolean);
  };
  const stop = flag('stop', false);
  const enabled = flag('enabled', true);
  const correlateEntry = keys.get('correlateBy');
  const correlateBy =
    correlateEntry === undefined
      ? undefined
      : readValue<string>(r, correlateEntry, where, (v) => (typeof v !== 'string' ? `must be a field path, got ${show(v)}` : fieldPathProblem(normaliseCorrelateBy(v))));
  const flow = readFlowControl(r, keys, where, keys.has('all'));

  if (
    r.issues.length > before ||
    eventType === undefined ||
    workflow === undefined ||
    priority === undefined ||
    conditions === undefined ||
    stop === undefined ||
    enabled === undefined
  )
    return undefined;
  const rule: Rule = {
    id: id ?? (ids.required ? '' : ids.generate({ eventType, workflow })),
    eventType,
    workflow,
    priority,
    conditions,
    stop,
    enabled,
    location: { ...r.where(map), keys: keyPositions(r, keys) },
  };
  if (pattern !== undefined) rule.pattern = pattern;
  if (correlateBy !== undefined) rule.correlateBy = normaliseCorrelateBy(correlateBy);
  if (join !== undefined) rule.join = join;
  if (schedule !== undefined) Object.assign(rule, schedule, { pattern: schedulePattern(rule.id) });
  if (flow) rule.flow = flow;
  return rule;
}

/** `all: [a, b]` with `within: 15m`: a multi-event trigger. Either key alone, or with `eventType`, is an error. */
function readJoin(r: NodeReader, map: SourceNode, keys: Map<string, Entry>, where: string): JoinSpec | undefined {
  const all = keys.get('all');
  const within = keys.get('within');
  if (all === undefined && within === undefined) return undefined;
  if (all === undefined) {
    r.at(map, `${where}: "within" goes with "all" (the event types to wait for)`, 'within');
    return undefined;
  }
  if (keys.has('eventType')) r.at(keys.get('eventType')?.keyNode ?? map, `${where}: a rule with "all" listens to those types; leave out "eventType"`, 'eventType');
  const types = readValue<string[]>(r, all, where, (v) =>
    !Array.isArray(v) || v.length < 2
      ? `must list at least two event types, got ${show(v)}`
      : v.find((t) => eventTypeProblem(t) !== undefined || t === '*') !== undefined
        ? `must list event types (not "*"), got ${show(v)}`
        : new Set(v).size !== v.length
          ? 'lists a type twice'
          : undefined,
  );
  if (within === undefined) {
    r.at(map, `${where}: "all" needs "within", the window the events must arrive in (e.g. 15m)`, 'within');
    return undefined;
  }
  const windowText = readValue<string>(r, within, where, (v) =>
    typeof v === 'string' && (parseDuration(v) ?? 0) > 0 ? undefined : `must be a duration such as "15m" or "2h", got ${show(v)}`,
  );
  if (types === undefined || windowText === undefined || keys.has('eventType')) return undefined;
  return { types, withinMs: parseDuration(windowText) as number };
}

function keyPositions(r: NodeReader, keys: Map<string, Entry>): Record<string, { line: number; column: number }> {
  const positions: Record<string, { line: number; column: number }> = {};
  for (const [name, entry] of keys) {
    const { line, column } = r.where(entry.value ?? entry.keyNode);
    positions[name] = { line, column };
  }
  return positions;
}

function required<T>(r: NodeReader, map: SourceNode, keys: Map<string, Entry>, where: string, name: string, read: (e: Entry) => T | undefined): T | undefined {
  const entry = keys.get(name);
  if (entry !== undefined) return read(entry);
  r.at(map, `${where}: missing "${name}"`, name);
  return undefined;
}

function readEventType(r: NodeReader, entry: Entry, where: string): string | string[] | undefined {
  const value = r.js(entry.value);
  if (!Array.isArray(value)) return readValue<string>(r, entry, where, eventTypeProblem);
  const items = expectSeq(r, entry.value, entry.keyNode, sub(where, 'eventType')) ?? [];
  if (value.length === 0) r.at(valueNode(entry), `${sub(where, 'eventType')}: list at least one event type, or "*" for every type`, 'eventType');
  let ok = value.length > 0;
  value.forEach((item, i) => {
    const problem = eventTypeProblem(item) ?? (item === '*' && value.length > 1 ? '"*" already means every type; it cannot be listed with others' : undefined);
    if (problem === undefined) return;
    r.at(items[i] ?? valueNode(entry), `${sub(where, `eventType[${i}]`)}: ${problem}`, `eventType[${i}]`);
    ok = false;
  });
  return ok ? [...new Set(value as string[])] : undefined;
}

function readConditions(r: NodeReader, entry: Entry, where: string): Condition[] | undefined {
  const items = expectSeq(r, entry.value, entry.keyNode, sub(where, 'conditions'));
  if (items === undefined) return undefined;
  const conditions: Condition[] = [];
  let ok = true;
  items.forEach((item, i) => {
    const condition = readCondition(r, item, entry.keyNode, sub(where, `conditions[${i}]`));
    if (condition === undefined) ok = false;
    else conditions.push(condition);
  });
  return ok ? conditions : undefined;
}

function readCondition(r: NodeReader, node: SourceNode | null, parent: SourceNode, where: string): Condition | undefined {
  const map = expectMap(r, node, parent, where);
  if (map === undefined) return undefined;
  const before = r.issues.length;
  const keys = readKeys(r, map, CONDITION_KEYS, where);
  const fieldEntry = keys.get('field');
  const field =
    fieldEntry === undefined
      ? undefined
      : readValue<string>(r, fieldEntry, where, (v) => (typeof v === 'string' ? fieldPathProblem(v) : `must be a field path such as user_type or plan.seats, got ${show(v)}`));
  if (fieldEntry === undefined) r.at(map, `${where}: missing "field"`, 'field');
  const opEntry = keys.get('op');
  const op =
    opEntry === undefined
      ? 'equals'
      : readValue<string>(r, opEntry, where, (v) =>
          isConditionOp(v)
            ? undefined
            : `unknown operator ${show(v)}; use one of equals, not_equals, in, not_in, gt, gte, lt, lte, between, exists, prefix, suffix, contains, wildcard, cidr, equals_ignore_case`,
        );
  const valueEntry = keys.get('value');
  if (field === undefined || !isConditionOp(op) || r.issues.length > before) return undefined;
  const value = valueEntry === undefined ? undefined : r.js(valueEntry.value);
  const problem = conditionValueProblem(op, value, valueEntry !== undefined);
  if (problem !== undefined) {
    r.at(valueEntry === undefined ? map : valueNode(valueEntry), `${where}.value: ${problem}`, 'value');
    return undefined;
  }
  const condition: Condition = { field, op };
  if (valueEntry !== undefined) condition.value = value;
  if (opEntry === undefined) delete condition.op;
  try {
    compilePattern(conditionPattern(condition)); // range limits, CIDR syntax, wildcard syntax
  } catch (error) {
    if (!(error instanceof InvalidPatternError)) throw error;
    r.at(valueEntry === undefined ? map : valueNode(valueEntry), `${where}.value: ${error.reason}`, 'value');
    return undefined;
  }
  return condition;
}

function readPattern(r: NodeReader, entry: Entry, where: string): Record<string, unknown> | undefined {
  const map = expectMap(r, entry.value, entry.keyNode, sub(where, 'pattern'));
  if (map === undefined) return undefined;
  const pattern = r.js(map) as Record<string, unknown>;
  try {
    compilePattern(pattern);
  } catch (error) {
    if (error instanceof InvalidPatternError) {
      r.at(nodeAtPatternPath(r, map, error.path), `${sub(where, error.path === '' ? 'pattern' : `pattern.${error.path}`)}: ${error.reason}`, 'pattern');
    } else if (error instanceof RangeError) {
      r.at(map, `${sub(where, 'pattern')}: the pattern is nested too deeply to compile`, 'pattern');
    } else throw error;
    return undefined;
  }
  return pattern;
}

/** The node an `InvalidPatternError` path (`detail.amount`, `$or[1].source`) points at; keys may contain dots. */
export function nodeAtPatternPath(r: NodeReader, root: SourceNode, path: string): SourceNode {
  let node: SourceNode = root;
  let rest = path;
  while (rest !== '') {
    const index = /^\[(\d+)\]\.?/.exec(rest);
    if (index !== null && r.isSeq(node)) {
      const item = r.deref(node.items[Number(index[1])]);
      if (item === null) break;
      node = item;
      rest = rest.slice(index[0].length);
      continue;
    }
    if (!r.isMap(node)) break;
    let best: { key: string; value: SourceNode } | undefined;
    for (const pair of node.items) {
      const key = String((pair.key as { value?: unknown } | null)?.value);
      const fits = rest === key || rest.startsWith(`${key}.`) || rest.startsWith(`${key}[`);
      const value = r.deref(pair.value);
      if (fits && value !== null && (best === undefined || key.length > best.key.length)) best = { key, value };
    }
    if (best === undefined) break;
    node = best.value;
    rest = rest.slice(best.key.length).replace(/^\./, '');
  }
  return node;
}
