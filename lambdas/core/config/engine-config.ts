/**
 * The seed's engine configuration (`event_driven_workflow_engine:`) beyond its trigger rules:
 * `event_sources`, `event_sourcing`, `real_time_execution`, read into typed settings for the
 * ingestion, store and replay work. Snake_case (the seed) and camelCase spellings are both accepted.
 */
import { encryptFieldProblem, type EncryptRule } from '../field-encryption.js';
import type { Rule } from '../rules/types.js';
import { checks, expectMap, expectSeq, readKeys, readValue, show, type Entry, type KeySpec, type MapNode, type NodeReader, type SourceNode } from '../rules/yaml-nodes.js';

/** Where a stream consumer starts reading. */
export type StartingPosition = 'LATEST' | 'TRIM_HORIZON';

/** Kafka topics, from an MSK cluster (`clusterArn`) or self-managed brokers (`bootstrapServers`, `secretArn`). */
export interface KafkaSourceConfig {
  type: 'kafka';
  topics: string[];
  clusterArn?: string;
  bootstrapServers?: string[];
  secretArn?: string;
  consumerGroupId?: string;
  batchSize?: number;
  startingPosition?: StartingPosition;
}

/** A Kinesis stream (created by the CDK app unless it exists). */
export interface KinesisSourceConfig {
  type: 'kinesis';
  streamName?: string;
  mode?: 'on-demand' | 'provisioned';
  shardCount?: number;
  batchSize?: number;
  startingPosition?: StartingPosition;
}

/** HTTP endpoints that accept events (`POST`). */
export interface WebhookSourceConfig {
  type: 'webhook';
  endpoints: string[];
}

/** An EventBridge bus whose events are forwarded to the engine. */
export interface EventBridgeSourceConfig {
  type: 'eventbridge';
  busName?: string;
}

/** One of `event_sources`, by `type`. */
export type EventSourceConfig = KafkaSourceConfig | KinesisSourceConfig | WebhookSourceConfig | EventBridgeSourceConfig;

/** The event store's history: how long events are kept and whether they may be replayed. */
export interface EventSourcingConfig {
  enabled: boolean;
  /** From `retention: "30d"`; the store's TTL. */
  retentionSeconds: number;
  replayEnabled: boolean;
  /** `encrypt:` — the fields sealed before an event of each type is stored (see docs/security.md). */
  encrypt: EncryptRule[];
}

/** How the engine treats routing latency. */
export interface RealTimeExecutionConfig {
  enabled: boolean;
  /** From `max_latency: "100ms"`: the routing latency objective, for alarms. */
  maxLatencyMs?: number;
}

/** The seed's `EventDrivenEngineConfig`, validated. */
export interface EngineConfig {
  eventSources: EventSourceConfig[];
  triggerRules: Rule[];
  eventSourcing: EventSourcingConfig;
  realTimeExecution: RealTimeExecutionConfig;
}

/** Events are kept 30 days and may be replayed, unless configured otherwise. */
export const DEFAULT_EVENT_SOURCING: EventSourcingConfig = { enabled: true, retentionSeconds: 30 * 86_400, replayEnabled: true, encrypt: [] };
/** Real-time execution is on, with no latency objective, unless configured otherwise. */
export const DEFAULT_REAL_TIME_EXECUTION: RealTimeExecutionConfig = { enabled: true };

const UNIT_MS: Record<string, number> = { ms: 1, s: 1e3, m: 60e3, h: 3_600e3, d: 86_400e3, w: 604_800e3 };
const UNIT_WORDS: Record<string, string> = {
  millisecond: 'ms',
  second: 's',
  sec: 's',
  minute: 'm',
  min: 'm',
  hour: 'h',
  day: 'd',
  week: 'w',
};

/** `"100ms"`, `"30d"`, `"12 hours"` → milliseconds; `undefined` when it is not a duration. */
export function parseDuration(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$/i.exec(text);
  if (match === null) return undefined;
  const word = (match[2] as string).toLowerCase().replace(/s$/, '');
  const unit = UNIT_MS[(match[2] as string).toLowerCase()] ?? UNIT_MS[UNIT_WORDS[word] ?? ''];
  return unit === undefined ? undefined : Number(match[1]) * unit;
}

const durationCheck = (v: unknown): string | undefined =>
  typeof v === 'string' && (parseDuration(v) ?? 0) > 0 ? undefined : `must be a duration such as "100ms", "12h" or "30d", got ${show(v)}`;
const listOfText = (v: unknown): string | undefined =>
  Array.isArray(v) && v.length > 0 && v.every((t) => typeof t === 'string' && t.trim() !== '') ? undefined : `must be a non-empty list of text, got ${show(v)}`;
const oneOf =
  (...allowed: string[]) =>
  (v: unknown): string | undefined =>
    typeof v === 'string' && allowed.includes(v) ? undefined : `must be one of ${allowed.join(', ')}, got ${show(v)}`;
const arn = (v: unknown): string | undefined => (typeof v === 'string' && v.startsWith('arn:') ? undefined : `must be an ARN (arn:…), got ${show(v)}`);
const path = (v: unknown): string | undefined => (typeof v === 'string' && v.startsWith('/') ? undefined : `must be a path starting with "/", got ${show(v)}`);

interface FieldSpec extends KeySpec {
  check: (value: unknown) => string | undefined;
  required?: boolean;
}

const f = (name: string, snake: string | undefined, check: FieldSpec['check'], required = false): FieldSpec => ({
  name,
  aliases: snake === undefined ? [] : [snake],
  check,
  required,
});

const SOURCE_FIELDS: Record<EventSourceConfig['type'], FieldSpec[]> = {
  kafka: [
    f('topics', undefined, listOfText, true),
    f('clusterArn', 'cluster_arn', arn),
    f('bootstrapServers', 'bootstrap_servers', listOfText),
    f('secretArn', 'secret_arn', arn),
    f('consumerGroupId', 'consumer_group_id', checks.text),
    f('batchSize', 'batch_size', checks.positiveInteger),
    f('startingPosition', 'starting_position', oneOf('LATEST', 'TRIM_HORIZON')),
  ],
  kinesis: [
    f('streamName', 'stream_name', checks.text),
    f('mode', undefined, oneOf('on-demand', 'provisioned')),
    f('shardCount', 'shard_count', checks.positiveInteger),
    f('batchSize', 'batch_size', checks.positiveInteger),
    f('startingPosition', 'starting_position', oneOf('LATEST', 'TRIM_HORIZON')),
  ],
  webhook: [f('endpoints', 'endpoint', (v) => (typeof v === 'string' ? path(v) : (listOfText(v) ?? (v as unknown[]).map(path).find(Boolean))), true)],
  eventbridge: [f('busName', 'bus_name', checks.text)],
};

/** Reads a mapping's fields against specs; `undefined` when any is missing or wrong. */
function readFields(r: NodeReader, map: MapNode, specs: readonly FieldSpec[], where: string, extra: readonly KeySpec[] = []): Record<string, unknown> | undefined {
  const before = r.issues.length;
  const keys = readKeys(r, map, [...extra, ...specs], where);
  const out: Record<string, unknown> = {};
  for (const spec of specs) {
    const entry = keys.get(spec.name);
    if (entry === undefined) {
      if (spec.required === true) r.at(map, `${where}: missing "${spec.name}"`, spec.name);
      continue;
    }
    const value = readValue(r, entry, where, spec.check);
    if (value !== undefined) out[spec.name] = value;
  }
  return r.issues.length > before ? undefined : out;
}

/** `event_sources:` → the list of sources. */
export function readEventSources(r: NodeReader, entry: Entry): EventSourceConfig[] | undefined {
  const items = expectSeq(r, entry.value, entry.keyNode, 'event_sources');
  if (items === undefined) return undefined;
  const sources: EventSourceConfig[] = [];
  let ok = true;
  items.forEach((item, i) => {
    const where = `event_sources[${i}]`;
    const map = expectMap(r, item, entry.keyNode, where);
    const type = map === undefined ? undefined : r.js((map.get('type', true) as SourceNode | undefined) ?? null);
    if (map === undefined || typeof type !== 'string' || !Object.hasOwn(SOURCE_FIELDS, type)) {
      if (map !== undefined)
        r.at((map.get('type', true) as SourceNode | undefined) ?? map, `${where}.type: must be one of ${Object.keys(SOURCE_FIELDS).join(', ')}, got ${show(type)}`, 'type');
      ok = false;
      return;
    }
    const fields = readFields(r, map, SOURCE_FIELDS[type as EventSourceConfig['type']], `${where} (${type})`, [{ name: 'type' }]);
    if (fields === undefined) {
      ok = false;
      return;
    }
    if (typeof fields.endpoints === 'string') fields.endpoints = [fields.endpoints];
    if (fields.clusterArn !== undefined && fields.bootstrapServers !== undefined) {
      r.at(map, `${where}: give either cluster_arn (MSK) or bootstrap_servers (self-managed Kafka), not both`);
      ok = false;
      return;
    }
    sources.push({ type, ...fields } as EventSourceConfig);
  });
  return ok ? sources : undefined;
}

/** `event_sourcing:` → retention and replay settings. */
export function readEventSourcing(r: NodeReader, entry: Entry): EventSourcingConfig | undefined {
  const map = expectMap(r, entry.value, entry.keyNode, 'event_sourcing');
  if (map === undefined) return undefined;
  const fields = readFields(
    r,
    map,
    [
      f('enabled', undefined, checks.boolean),
      f('retention', undefined, (v) => (typeof v === 'number' ? checks.positiveInteger(v) : durationCheck(v))),
      f('replayEnabled', 'replay_enabled', checks.boolean),
      f('encrypt', undefined, encryptCheck),
    ],
    'event_sourcing',
  );
  if (fields === undefined) return undefined;
  const retention = fields.retention;
  return {
    enabled: (fields.enabled as boolean | undefined) ?? DEFAULT_EVENT_SOURCING.enabled,
    // A bare number of retention is days, as in "retention: 30".
    retentionSeconds:
      retention === undefined
        ? DEFAULT_EVENT_SOURCING.retentionSeconds
        : typeof retention === 'number'
          ? retention * 86_400
          : Math.ceil((parseDuration(retention as string) as number) / 1000),
    replayEnabled: (fields.replayEnabled as boolean | undefined) ?? DEFAULT_EVENT_SOURCING.replayEnabled,
    encrypt: fields.encrypt === undefined ? [] : encryptRulesOf(fields.encrypt as Array<Record<string, unknown>>),
  };
}

/** `encrypt: [{event_type, fields: [data.email]}]`: each entry names one event type and its paths under `data.`. */
function encryptCheck(value: unknown): string | undefined {
  if (!Array.isArray(value) || value.length === 0) return `must be a list of {event_type, fields}, got ${show(value)}`;
  for (const [i, entry] of value.entries()) {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return `[${i}] must be a mapping {event_type, fields}, got ${show(entry)}`;
    const unknownKey = Object.keys(entry).find((k) => !['event_type', 'eventType', 'fields'].includes(k));
    if (unknownKey !== undefined) return `[${i}]: unknown key "${unknownKey}" (expected event_type and fields)`;
    const type = (entry as Record<string, unknown>).event_type ?? (entry as Record<string, unknown>).eventType;
    if (typeof type !== 'string' || type.trim() === '' || type === '*') return `[${i}].event_type must name one event type, got ${show(type)}`;
    const fields = (entry as Record<string, unknown>).fields;
    if (!Array.isArray(fields) || fields.length === 0) return `[${i}].fields must be a non-empty list of paths such as data.email, got ${show(fields)}`;
    for (const field of fields) {
      const problem = encryptFieldProblem(field);
      if (problem !== undefined) return `[${i}].fields: ${problem}`;
    }
  }
  return undefined;
}

function encryptRulesOf(entries: Array<Record<string, unknown>>): EncryptRule[] {
  return entries.map((entry) => ({ eventType: (entry.event_type ?? entry.eventType) as string, fields: [...new Set(entry.fields as string[])] }));
}

/** `real_time_execution:` → a mapping, or `true`/`false` for just `enabled`. */
export function readRealTimeExecution(r: NodeReader, entry: Entry): RealTimeExecutionConfig | undefined {
  const shorthand = r.js(entry.value);
  if (typeof shorthand === 'boolean') return { enabled: shorthand };
  const map = expectMap(r, entry.value, entry.keyNode, 'real_time_execution');
  if (map === undefined) return undefined;
  const fields = readFields(r, map, [f('enabled', undefined, checks.boolean), f('maxLatency', 'max_latency', durationCheck)], 'real_time_execution');
  if (fields === undefined) return undefined;
  const config: RealTimeExecutionConfig = { enabled: (fields.enabled as boolean | undefined) ?? true };
  if (fields.maxLatency !== undefined) config.maxLatencyMs = parseDuration(fields.maxLatency as string) as number;
  return config;
}
