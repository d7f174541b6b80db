/**
 * `npm run bench -- ingest [--duration 60] [--latency-seconds 10] [--concurrency 8] [--only encryption [--rounds 2]]`
 *
 * The embedded engine (`edwe dev` on a SQLite file) in a child process; this process is the
 * client. (1) Sustained load: batches of 100 events over HTTP, 1% of which start a workflow, for
 * `--duration` seconds; the rate counts events stored AND routed (the clock stops when the engine
 * reports nothing unrouted), and the stored count is checked at the end. (2) Latency: single-event
 * POSTs at a fixed 500 requests/s. The baseline is the same client against a bare `node:http`
 * server that answers 202 without storing anything, so the ratio shows what the engine adds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { encryptionCost, encryptionOnly } from './lib/encryption-cost.js';
import { eventFor, fmt, startChild, sustainedLoad, waitUntilRouted } from './lib/http-load.js';
import { machine, percentile, printTable } from './lib/report.js';

export default async function ingestBench(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string', default: '60' },
      'latency-seconds': { type: 'string', default: '10' },
      concurrency: { type: 'string', default: '8' },
      only: { type: 'string' },
      rounds: { type: 'string', default: '2' },
    },
  });
  const duration = Number(values.duration) * 1000;
  const latencyMs = Number(values['latency-seconds']) * 1000;
  const concurrency = Number(values.concurrency);
  if (values.only === 'encryption') return encryptionOnly(duration, concurrency, Number(values.rounds));
  if (values.only !== undefined) throw new Error(`--only takes "encryption", got "${values.only}"`);
  const dir = mkdtempSync(join(tmpdir(), 'edwe-bench-ingest-'));
  const rows: string[][] = [];
  let ok = true;
  try {
    const baseline = await startBaseline();
    const baseLoad = await sustainedLoad(baseline.url, duration / 6, concurrency, 'base');
    const baseLatency = await fixedRateLatency(baseline.url, latencyMs / 2, 500);
    await baseline.stop();

    const dbPath = join(dir, 'bench.db');
    const engine = await startEngine(dbPath);
    let load: Awaited<ReturnType<typeof sustainedLoad>>;
    let latency: Awaited<ReturnType<typeof fixedRateLatency>>;
    let storedAndRouted: number;
    try {
      load = await sustainedLoad(engine.url, duration, concurrency, 'run');
      const routedAt = await waitUntilRouted(engine.url, load.sent);
      storedAndRouted = load.sent / ((routedAt - load.startedAt) / 1000);
      latency = await fixedRateLatency(engine.url, latencyMs, 500);
      await waitUntilRouted(engine.url, load.sent + latency.latencies.length);
    } finally {
      await engine.stop();
    }
    // The same single-POST load on an engine that waits for the disk on every commit (--sync full).
    const fullEngine = await startEngine(join(dir, 'bench-full.db'), 'full');
    let fullLatency: Awaited<ReturnType<typeof fixedRateLatency>>;
    try {
      fullLatency = await fixedRateLatency(fullEngine.url, latencyMs, 500);
    } finally {
      await fullEngine.stop();
    }
    // Field encryption's cost: the same load on two engines with the same rules, one sealing two fields
    // of every event (`event_sourcing.encrypt`), one sealing none.
    const sealing = await encryptionCost(dir, duration / 3, concurrency, 'run');
    // Counted in the database itself once the engine has stopped: the bench's own events only
    // (lifecycle events of the executions they started are stored too, under another source).
    const db = new Database(dbPath, { readonly: true });
    const counts = db.prepare("SELECT count(*) AS stored, sum(routed_at IS NULL) AS unrouted FROM events WHERE source = 'bench'").get() as {
      stored: number;
      unrouted: number | null;
    };
    db.close();
    const acknowledged = load.sent + latency.latencies.length;
    const intact = counts.stored === acknowledged && (counts.unrouted ?? 0) === 0;

    rows.push(
      [
        'sustained ingest, batches of 100 (events/s acknowledged)',
        fmt(load.sent / (load.elapsedMs / 1000)),
        fmt(baseLoad.sent / (baseLoad.elapsedMs / 1000)),
        ratio(load.sent / load.elapsedMs, baseLoad.sent / baseLoad.elapsedMs),
        '',
      ],
      ['sustained ingest, stored and routed (events/s)', fmt(storedAndRouted), '', '', floor(storedAndRouted >= 10_000, '≥ 10,000')],
      ['events acknowledged / stored / unrouted at the end', `${acknowledged} / ${counts.stored} / ${counts.unrouted ?? 0}`, '', '', floor(intact, 'nothing lost')],
      [
        'batch POST p50 / p99 (ms)',
        `${ms(percentile(load.latencies, 50))} / ${ms(percentile(load.latencies, 99))}`,
        `${ms(percentile(baseLoad.latencies, 50))} / ${ms(percentile(baseLoad.latencies, 99))}`,
        ratio(percentile(load.latencies, 50), percentile(baseLoad.latencies, 50)),
        '',
      ],
      [
        'single POST at 500/s: p50 (ms)',
        ms(percentile(latency.latencies, 50)),
        ms(percentile(baseLatency.latencies, 50)),
        ratio(percentile(latency.latencies, 50), percentile(baseLatency.latencies, 50)),
        '',
      ],
      [
        'single POST at 500/s: p99 (ms)',
        ms(percentile(latency.latencies, 99)),
        ms(percentile(baseLatency.latencies, 99)),
        ratio(percentile(latency.latencies, 99), percentile(baseLatency.latencies, 99)),
        floor(percentile(latency.latencies, 99) < 20, '< 20 ms'),
      ],
      ['single POSTs sent / failed', `${latency.latencies.length} / ${latency.failed}`, '', '', ''],
      [
        'field encryption, data.email of every user_registration: stored and routed (events/s)',
        `${fmt(sealing.sealed)} (without: ${fmt(sealing.plain)})`,
        '',
        `${(sealing.sealed / sealing.plain).toFixed(2)}× of without`,
        '',
      ],
      [
        '--sync full: single POST at 500/s p50 / p99 (ms)',
        `${ms(percentile(fullLatency.latencies, 50))} / ${ms(percentile(fullLatency.latencies, 99))}`,
        '',
        '',
        'no floor: waits for the disk',
      ],
    );
    ok = storedAndRouted >= 10_000 && intact && percentile(latency.latencies, 99) < 20 && latency.failed === 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(`\ningest benchmark — ${machine()}; ${duration / 1000} s sustained, ${concurrency} batches in flight\n\n`);
  printTable(['measure', 'edwe dev (SQLite file, --sync normal)', 'baseline (bare HTTP 202)', 'ratio', 'floor'], rows);
  return ok ? 0 : 1;
}

const ms = (n: number) => n.toFixed(2);
const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : '');
const floor = (pass: boolean, text: string) => `${pass ? 'PASS' : 'FAIL'} ${text}`;

/** Single-event POSTs on a fixed schedule (open loop), so a slow answer cannot lower the offered rate. */
async function fixedRateLatency(url: string, durationMs: number, perSecond: number) {
  const latencies: number[] = [];
  let failed = 0;
  const total = Math.floor((durationMs / 1000) * perSecond);
  const start = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    pending.push(
      (async () => {
        const t0 = performance.now();
        const response = await fetch(`${url}/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(eventFor(`lat-${i}`, i)) });
        await response.arrayBuffer();
        if (response.status === 202) latencies.push(performance.now() - t0);
        else failed++;
      })(),
    );
  }
  await Promise.all(pending);
  return { latencies, failed };
}

async function startEngine(dbPath: string, sync: 'normal' | 'full' = 'normal'): Promise<{ url: string; stop(): Promise<void> }> {
  return startChild(['--import', 'tsx', 'bin/edwe.ts', 'dev', '--port', '0', '--db', dbPath, '--log-level', 'warn', '--sync', sync]);
}

/** The baseline: a bare node:http server in its own process that parses the body and answers 202/200. */
const BASELINE_SERVER = `
const server = require('node:http').createServer((request, response) => {
  const chunks = [];
  request.on('data', (c) => chunks.push(c));
  request.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const batch = Array.isArray(body);
    const payload = batch ? JSON.stringify({ failedCount: 0, results: body.map(() => ({ id: 'x' })) }) : '{"id":"x"}';
    response.writeHead(batch ? 200 : 202, { 'content-type': 'application/json' });
    response.end(payload);
  });
});
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ message: 'edwe listening', url: 'http://127.0.0.1:' + server.address().port })));
`;

async function startBaseline(): Promise<{ url: string; stop(): Promise<void> }> {
  return startChild(['-e', BASELINE_SERVER]);
}
