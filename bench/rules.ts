/**
 * `npm run bench -- rules [--quick]`: routing throughput and per-event latency on one core,
 * next to json-rules-engine given the equivalent rules, with the floors checked.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { Engine } from 'json-rules-engine';
import { flowControlRows } from './flow-control.js';
import { compileRules, type Condition, type EngineEvent, type Rule, type RuleSet } from '../lambdas/core/index.js';

/** Deterministic pseudo-random numbers (mulberry32), so every run routes the same events. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rnd = random(20260101);
const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)] as T;
const TIERS = ['premium', 'basic', 'trial', 'enterprise'];
const COUNTRIES = ['US', 'DE', 'FR', 'GB', 'JP', 'BR'];

const rule = (id: string, eventType: string, conditions: Condition[], pattern?: Record<string, unknown>): Rule => ({
  id,
  eventType,
  workflow: 'wf',
  priority: 0,
  conditions,
  stop: false,
  enabled: true,
  ...(pattern ? { pattern } : {}),
});

/** `types` event types with `perType` rules each, plus two `"*"` rules; and events over those types (5% unknown). */
function scenario(types: number, perType: number, count: number): { rules: Rule[]; events: EngineEvent[] } {
  const rules: Rule[] = [];
  for (let t = 0; t < types; t++) {
    for (let j = 0; j < perType; j++) {
      // Values from small domains, as in real rule sets: tiers, seat thresholds, country pairs.
      const conditions: Condition[] = [{ field: 'user_type', value: TIERS[(t + j) % TIERS.length] }];
      if (j % 3 === 1) conditions.push({ field: 'plan.seats', op: 'gte', value: (t * 7 + j * 5) % 60 });
      if (j % 3 === 2) conditions.push({ field: 'country', op: 'in', value: [COUNTRIES[(t + j) % 6], COUNTRIES[(t * 5 + j + 1) % 6]] });
      rules.push(rule(`t${t}-r${j}`, `type.${t}`, conditions));
    }
  }
  rules.push(rule('all-audit', '*', [{ field: '$.source', op: 'prefix', value: 'audit-' }]));
  rules.push(rule('all-big', '*', [{ field: 'amount', op: 'gt', value: 9_990 }]));
  const events = Array.from(
    { length: count },
    (_, i): EngineEvent => ({
      id: `e${i}`,
      type: rnd() < 0.05 ? 'unknown.type' : `type.${Math.floor(rnd() * types)}`,
      source: pick(['web', 'mobile', 'audit-log']),
      timestamp: '2026-01-01T00:00:00.000Z',
      data: { user_type: pick(TIERS), plan: { seats: Math.floor(rnd() * 60) }, country: pick(COUNTRIES), amount: Math.floor(rnd() * 10_000) },
    }),
  );
  return { rules, events };
}

/** ~900-byte events shaped like event-ruler's citylots2 benchmark (a GeoJSON parcel), as JSON text. */
function parcelEvents(count: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    const block = String(Math.floor(rnd() * 9000)).padStart(4, '0');
    const coordinates = Array.from({ length: 12 }, () => [-122.4 - rnd() * 0.1, 37.7 + rnd() * 0.1, 0]);
    return JSON.stringify({
      id: `01HPARCEL${String(i).padStart(8, '0')}`,
      type: 'parcel.updated',
      source: pick(['citylots', 'assessor', 'audit-feed']),
      timestamp: '2026-01-01T00:00:00.000Z',
      data: {
        type: 'Feature',
        properties: {
          MAPBLKLOT: `${block}${String(i % 1000).padStart(3, '0')}`,
          BLOCK_NUM: block,
          LOT_NUM: String(i % 1000).padStart(3, '0'),
          FROM_ST: String(Math.floor(rnd() * 3000)),
          STREET: pick(['MARKET', 'MISSION', 'VALENCIA', 'UNKNOWN', 'Castro']),
          ST_TYPE: pick(['ST', 'AVE', null]),
          ODD_EVEN: pick(['E', 'O']),
          IP: `10.${Math.floor(rnd() * 4)}.${Math.floor(rnd() * 256)}.7`,
          AREA: Math.round(rnd() * 50_000) / 10,
          OWNER: pick(['City and County', 'Private', 'State of California', 'Federal']),
        },
        geometry: { type: pick(['Polygon', 'MultiPolygon']), coordinates: [coordinates] },
      },
    });
  });
}

const p = (field: string, leaf: unknown[]): Record<string, unknown> => {
  const segments = field.split('.');
  let node: unknown = leaf;
  for (let i = segments.length - 1; i >= 0; i--) node = { [segments[i] as string]: node };
  return { data: node };
};
const c = (field: string, op: NonNullable<Condition['op']>, value: unknown): Condition[] => [{ field, op, value }];
/** Five rules of each operator kind, over the parcel events (conditions where they can say it, else patterns). */
const KINDS: Record<string, (i: number) => Rule> = {
  equals: (i) => rule(`eq${i}`, 'parcel.updated', c('properties.STREET', 'equals', ['MARKET', 'MISSION', 'X', 'Y', 'Z'][i])),
  not_equals: (i) => rule(`ne${i}`, 'parcel.updated', c('properties.STREET', 'not_equals', `S${i}`)),
  in: (i) => rule(`in${i}`, 'parcel.updated', c('properties.ODD_EVEN', 'in', ['E', `Q${i}`])),
  not_in: (i) => rule(`ni${i}`, 'parcel.updated', c('properties.ST_TYPE', 'not_in', ['ST', `Q${i}`])),
  numeric: (i) => rule(`nu${i}`, 'parcel.updated', c('properties.AREA', 'between', [i * 1000, i * 1000 + 500])),
  exists: (i) => rule(`ex${i}`, 'parcel.updated', c(['properties.ST_TYPE', 'properties.IP', 'nope', 'geometry.type', 'properties.LOT_NUM'][i] as string, 'exists', true)),
  prefix: (i) => rule(`pr${i}`, 'parcel.updated', c('properties.MAPBLKLOT', 'prefix', `${i}1`)),
  suffix: (i) => rule(`su${i}`, 'parcel.updated', c('properties.MAPBLKLOT', 'suffix', `${i}7`)),
  contains: (i) => rule(`co${i}`, 'parcel.updated', c('properties.STREET', 'contains', ['SS', 'AR', 'EN', 'as', 'KN'][i])),
  wildcard: (i) => rule(`wc${i}`, 'parcel.updated', c('properties.MAPBLKLOT', 'wildcard', `${i}*0*`)),
  cidr: (i) => rule(`ci${i}`, 'parcel.updated', c('properties.IP', 'cidr', `10.${i}.0.0/16`)),
  equals_ignore_case: (i) => rule(`ic${i}`, 'parcel.updated', c('properties.STREET', 'equals_ignore_case', ['castro', 'market', 'x', 'y', 'z'][i])),
  'prefix ignore-case': (i) => rule(`pi${i}`, 'parcel.updated', [], p('properties.STREET', [{ prefix: { 'equals-ignore-case': ['ca', 'ma', 'mi', 'va', 'zz'][i] } }])),
  'anything-but prefix': (i) => rule(`ap${i}`, 'parcel.updated', [], p('properties.MAPBLKLOT', [{ 'anything-but': { prefix: `${i}` } }])),
  'anything-but wildcard': (i) => rule(`aw${i}`, 'parcel.updated', [], p('properties.STREET', [{ 'anything-but': { wildcard: `*${'AEIOU'[i]}*` } }])),
  $or: (i) => rule(`or${i}`, 'parcel.updated', [], { data: { $or: [{ properties: { ODD_EVEN: ['O'] } }, { geometry: { type: [`T${i}`] } }] } }),
};

interface Measured {
  /** Events/s at the median batch time: robust to other processes taking the core for a while. */
  rate: number;
  /** Events/s over the whole run (total events / total time). */
  meanRate: number;
  p50: number;
  p99: number;
}

/**
 * Runs each batch (each routes `size` events) in turn for ~`ms` after a warm-up, so that batches
 * measured side by side share the machine's noise; events/s and per-event latency from batch times.
 */
function measure(ms: number, size: number, ...batches: Array<() => void>): Measured[] {
  const warmUntil = performance.now() + Math.min(300, ms / 2);
  while (performance.now() < warmUntil) for (const batch of batches) batch();
  const samples = batches.map(() => [] as number[]);
  const start = performance.now();
  while (performance.now() - start < ms) {
    batches.forEach((batch, i) => {
      const before = performance.now();
      batch();
      (samples[i] as number[]).push(((performance.now() - before) * 1e6) / size);
    });
  }
  return samples.map((list) => {
    const total = list.reduce((sum, ns) => sum + ns, 0);
    list.sort((x, y) => x - y);
    const at = (q: number) => list[Math.min(list.length - 1, Math.floor(q * list.length))] as number;
    return { rate: 1e9 / at(0.5), meanRate: 1e9 / (total / list.length), p50: at(0.5), p99: at(0.99) };
  });
}

const JRE_OP: Partial<Record<NonNullable<Condition['op']>, string>> = {
  equals: 'equal',
  not_equals: 'notEqual',
  in: 'in',
  not_in: 'notIn',
  gt: 'greaterThan',
  gte: 'greaterThanInclusive',
  lt: 'lessThan',
  lte: 'lessThanInclusive',
  prefix: 'startsWith',
  suffix: 'endsWith',
  contains: 'stringContains',
  equals_ignore_case: 'equalsIgnoreCase',
};
/** json-rules-engine given the same rules (type as a condition: it has no index); `undefined` when a rule has no equivalent. */
function jsonRulesEngine(rules: readonly Rule[]): Engine | undefined {
  const engine = new Engine([], { allowUndefinedFacts: true });
  engine.addOperator('startsWith', (a: unknown, b: string) => typeof a === 'string' && a.startsWith(b));
  engine.addOperator('endsWith', (a: unknown, b: string) => typeof a === 'string' && a.endsWith(b));
  engine.addOperator('stringContains', (a: unknown, b: string) => typeof a === 'string' && a.includes(b));
  engine.addOperator('equalsIgnoreCase', (a: unknown, b: string) => typeof a === 'string' && a.toLowerCase() === b.toLowerCase());
  for (const r of rules) {
    if (r.pattern !== undefined) return undefined;
    const all: Record<string, unknown>[] = r.eventType === '*' ? [] : [{ fact: 'type', operator: 'equal', value: r.eventType }];
    for (const cond of r.conditions) {
      const envelope = cond.field.startsWith('$.');
      const fact = { fact: envelope ? cond.field.slice(2) : 'data', ...(envelope ? {} : { path: `$.${cond.field}` }) };
      const op = cond.op ?? 'equals';
      if (op === 'between') {
        const [low, high] = cond.value as [number, number];
        all.push({ ...fact, operator: 'greaterThanInclusive', value: low }, { ...fact, operator: 'lessThanInclusive', value: high });
      } else if (JRE_OP[op] !== undefined) all.push({ ...fact, operator: JRE_OP[op], value: cond.value });
      else return undefined;
    }
    engine.addRule({ conditions: { all: all as never }, event: { type: r.id } });
  }
  return engine;
}

/**
 * json-rules-engine on the same rules: its events/s, and ours as a multiple of it. Every event it
 * handles is also routed by ours, and the number of rules fired must agree (the rules are equivalent).
 */
async function versusJre(rules: Rule[], ruleSet: RuleSet, events: readonly EngineEvent[], ms: number, ours: number, text?: readonly string[]): Promise<string> {
  const jre = jsonRulesEngine(rules);
  if (jre === undefined) return '— (no equivalent)';
  let same = true;
  let count = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    const i = count++ % events.length;
    const input = text === undefined ? events[i] : JSON.parse(text[i] as string);
    same &&= (await jre.run(input as Record<string, unknown>)).events.length === ruleSet.route(events[i] as EngineEvent).length;
  }
  const rate = (count * 1000) / (performance.now() - start);
  return `${fmt(rate)} (×${Math.round(ours / rate)})${same ? '' : ' — NOT the same matches'}`;
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const us = (n: number): string => `${(n / 1000).toFixed(2)} µs`;

export default async function main(args: string[]): Promise<number> {
  const quick = args.includes('--quick');
  const MS = quick ? 300 : 1500;
  const JRE_MS = quick ? 200 : 1000;
  const rows: string[] = [];
  const floors: Array<[string, boolean, string]> = [];
  const routeBatch = (ruleSet: RuleSet, events: readonly EngineEvent[]) => {
    let i = 0;
    let fired = 0;
    return () => {
      for (let k = 0; k < 100; k++) fired += ruleSet.route(events[i++ % events.length] as EngineEvent).length;
      return fired;
    };
  };
  const rates: Record<string, number> = {};
  // A hot reload compiles the whole set: how long that takes for each size.
  const compileMs: Record<string, number> = {};
  for (const [name, types, perType] of [
    ['a: 10 rules', 1, 10],
    ['b: 1,000 rules / 100 types', 100, 10],
    ['c: 10,000 rules / 1,000 types', 1000, 10],
  ] as const) {
    const { rules, events } = scenario(types, perType, 10_000);
    const compileStart = performance.now();
    const ruleSet = compileRules(rules);
    compileMs[name[0] as string] = performance.now() - compileStart;
    const [result] = measure(MS, 100, routeBatch(ruleSet, events)) as [Measured];
    const jre = await versusJre(rules, ruleSet, events, JRE_MS, result.meanRate);
    rates[name[0] as string] = result.rate;
    rows.push(`| ${name} (${rules.length} rules) | ${fmt(result.rate)} | ${fmt(result.meanRate)} | ${us(result.p50)} | ${us(result.p99)} | ${jre} |`);
  }
  const b = scenario(100, 10, 10_000);
  const flowRows = await flowControlRows(b.rules, b.events, quick);
  floors.push(['b ≥ 1,000,000 events/s', (rates.b ?? 0) >= 1e6, fmt(rates.b ?? 0)]);
  floors.push([
    'compile 10,002 rules (c) < 1 s',
    (compileMs.c ?? Infinity) < 1000,
    `${(compileMs.c ?? 0).toFixed(0)} ms (a ${(compileMs.a ?? 0).toFixed(1)} ms, b ${(compileMs.b ?? 0).toFixed(0)} ms)`,
  ]);
  floors.push(['c ≥ half of b', (rates.c ?? 0) >= (rates.b ?? 0) / 2, `${(((rates.c ?? 0) / (rates.b ?? 1)) * 100).toFixed(0)}% of b`]);

  const texts = parcelEvents(5_000);
  const bytes = texts.reduce((n, t) => n + t.length, 0) / texts.length;
  let sink = 0;
  let j = 0;
  const parseBatch = () => {
    for (let k = 0; k < 100; k++) sink += (JSON.parse(texts[j++ % texts.length] as string) as { id: string }).id.length;
  };
  const parsed = texts.map((t) => JSON.parse(t) as EngineEvent);
  const sets = Object.entries(KINDS).map(([kind, make]): [string, Rule[]] => [kind, [0, 1, 2, 3, 4].map(make)]);
  sets.push(['all kinds at once', sets.flatMap(([, rules]) => rules)]);
  for (const [kind, rules] of sets) {
    const ruleSet = compileRules(rules);
    const matched = parsed.reduce((n, e) => n + ruleSet.route(e).length, 0);
    // JSON.parse alone is measured again beside each kind, alternating batch by batch, and compared with that.
    const [parseOnly, result] = measure(MS / 2, 100, parseBatch, () => {
      for (let k = 0; k < 100; k++) sink += ruleSet.route(JSON.parse(texts[j++ % texts.length] as string) as EngineEvent).length;
    }) as [Measured, Measured];
    const jre = await versusJre(rules, ruleSet, parsed, JRE_MS / 3, result.meanRate, texts);
    const share = result.rate / parseOnly.rate;
    if (kind === 'equals')
      rows.splice(
        3,
        0,
        `| d: JSON.parse only (${Math.round(bytes)}-byte events) | ${fmt(parseOnly.rate)} | ${fmt(parseOnly.meanRate)} | ${us(parseOnly.p50)} | ${us(parseOnly.p99)} | |`,
      );
    rows.push(
      `| d: ${kind} (${rules.length} rules, ${matched} matches / ${texts.length}) | ${fmt(result.rate)} (${(share * 100).toFixed(0)}% of parse) | ${fmt(result.meanRate)} | ${us(result.p50)} | ${us(result.p99)} | ${jre} |`,
    );
    if (kind !== 'all kinds at once') floors.push([`d ${kind} ≥ 75% of JSON.parse`, share >= 0.75, `${(share * 100).toFixed(0)}%`]);
    else floors.push([`d ${kind} ≥ 60% of JSON.parse`, share >= 0.6, `${(share * 100).toFixed(0)}%`]);
  }

  const cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown CPU';
  const out = [
    `${new Date().toISOString().slice(0, 10)} · ${availableParallelism()} CPUs (${cpu}) · Node ${process.version} · load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
    '',
    '| scenario | events/s | events/s (mean) | p50 latency/event | p99 latency/event | json-rules-engine events/s (ours ×) |',
    '|---|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    'Latency: batches of 100 events are timed and divided by 100 (one event is too quick to time alone).',
    'events/s = 1 / the median per-event time (floors use it); "mean" = all events / all time, which other processes on the machine pull down.',
    '',
    ...floors.map(([name, ok, value]) => `${ok ? 'PASS' : 'FAIL'}  ${name}: ${value}`),
    ...flowRows,
  ];
  process.stdout.write(`${out.join('\n')}\n${sink < 0 ? sink : ''}`);
  return floors.every(([, ok]) => ok) ? 0 : 1;
}
