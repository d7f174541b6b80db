/**
 * `npm run bench -- rules [--quick]`: routing throughput and per-event latency on one core,
 * next to json-rules-engine given the equivalent rules, with the floors checked.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { flowControlRows } from './flow-control.js';
import { versusJre } from './lib/json-rules-engine.js';
import { KINDS, parcelEvents, scenario } from './lib/rule-workloads.js';
import { compileRules, type EngineEvent, type Rule, type RuleSet } from '../lambdas/core/index.js';

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
