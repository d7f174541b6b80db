/**
 * `npm run bench -- replay [--events 100000]`
 *
 * The embedded engine in this process with a SQLite file holding `--events` events over 3 hours
 * (1% premium registrations, which route to onboarding_workflow; the rest route nowhere). Replays
 * the whole window (a) for every workflow and (b) for onboarding_workflow alone, and reports events
 * selected per second (read from the time index, run through today's rules, emitted to the bus).
 * Baseline: reading the same window from the time index alone (page by page, bodies parsed).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EmbeddedEngine } from '../lambdas/embedded/embedded-engine.js';
import { createLogger } from '../lambdas/embedded/logger.js';
import { loadProject } from '../lambdas/project/load-project.js';
import { machine, printTable } from './lib/report.js';

export default async function replayBench(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { events: { type: 'string', default: '100000' } } });
  const total = Number(values.events);
  const dir = mkdtempSync(join(tmpdir(), 'edwe-bench-replay-'));
  const engine = await EmbeddedEngine.open({ project: loadProject(), dbPath: join(dir, 'bench.db'), logger: createLogger({ level: 'warn' }) });
  try {
    const start = Math.floor((Date.now() - 2 * 86_400_000) / 3_600_000) * 3_600_000;
    const end = start + 3 * 3_600_000;
    const step = (end - start) / total;
    for (let i = 0; i < total; i += 500) {
      const batch = Array.from({ length: Math.min(500, total - i) }, (_, k) => eventAt(i + k, start + (i + k) * step));
      await engine.ingestBatch(batch);
    }
    await engine.idle();
    const window = { startTime: new Date(start).toISOString(), endTime: new Date(end).toISOString() };

    const baseline = time(() => {
      let n = 0;
      for (const _event of engine.events.rangeSync(window.startTime, window.endTime, undefined, 500)) n++;
      return n;
    });
    const all = await timeReplay(engine, engine.parseReplay(window));
    const one = await timeReplay(engine, engine.parseReplay({ ...window, workflowId: 'onboarding_workflow' }));

    const rate = (n: number, ms: number) => (n / ms) * 1000;
    const baseRate = rate(baseline.value, baseline.ms);
    const allRate = rate(all.scanned, all.ms);
    const oneRate = rate(one.scanned, one.ms);
    process.stdout.write(`\nreplay benchmark — ${machine()}; ${total.toLocaleString('en-US')} stored events over 3 hours, 1% routed to a workflow\n\n`);
    printTable(
      ['measure', 'events read', 'selected / emitted', 'seconds', 'events/s', 'vs baseline', 'floor'],
      [
        ['baseline: time-index read alone', fmt(baseline.value), '', (baseline.ms / 1000).toFixed(2), fmt(baseRate), '1.00×', ''],
        [
          '(a) replay, all workflows',
          fmt(all.scanned),
          `${fmt(all.matched)} / ${fmt(all.emitted)}`,
          (all.ms / 1000).toFixed(2),
          fmt(allRate),
          `${(allRate / baseRate).toFixed(2)}×`,
          `${allRate >= 20_000 ? 'PASS' : 'FAIL'} ≥ 20,000`,
        ],
        [
          '(b) replay, onboarding_workflow',
          fmt(one.scanned),
          `${fmt(one.matched)} / ${fmt(one.emitted)}`,
          (one.ms / 1000).toFixed(2),
          fmt(oneRate),
          `${(oneRate / baseRate).toFixed(2)}×`,
          '',
        ],
      ],
    );
    return allRate >= 20_000 && all.scanned === total ? 0 : 1;
  } finally {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function timeReplay(engine: EmbeddedEngine, request: ReturnType<EmbeddedEngine['parseReplay']>) {
  const t0 = performance.now();
  const job = await engine.replay(request);
  const done = await engine.replays.finished(job.replayId);
  const ms = performance.now() - t0;
  // The executions the replay started run on after the job; let them end before the next measurement.
  await engine.idle();
  return { ...done, ms };
}

function time<T>(fn: () => T): { value: T; ms: number } {
  const t0 = performance.now();
  const value = fn();
  return { value, ms: performance.now() - t0 };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

function eventAt(n: number, timeMs: number) {
  const timestamp = new Date(timeMs).toISOString();
  return n % 100 === 0
    ? { id: `b-${n}`, type: 'user_registration', source: 'bench', timestamp, data: { userId: `u-${n}`, email: 'bench@example.com', user_type: 'premium' } }
    : { id: `b-${n}`, type: 'page.viewed', source: 'bench', timestamp, data: { path: `/products/${n % 997}`, sessionId: `s-${n % 4999}` } };
}
