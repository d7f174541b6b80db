/**
 * `npm run fuzz -- --inputs 10000 [--seed N] [--max-rss-mb 512]`: fuzzes a fresh `edwe dev --memory`
 * over HTTP and prints the figures; exits 1 when an invariant broke (see http-fuzz.ts).
 */
import { parseArgs } from 'node:util';
import { startEngine } from '../support/engine-process.js';
import { fuzzEngine, violations } from './http-fuzz.js';

const { values } = parseArgs({ options: { inputs: { type: 'string', default: '10000' }, seed: { type: 'string' }, 'max-rss-mb': { type: 'string', default: '512' } } });
const inputs = Number(values.inputs);
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
const engine = await startEngine(['--memory', '--log-level', 'error']);
const started = Date.now();
try {
  const figures = await fuzzEngine(engine, { inputs, seed });
  const broken = violations(figures, Number(values['max-rss-mb']));
  const fourXx = Object.entries(figures.byStatus)
    .filter(([s]) => s.startsWith('4'))
    .reduce((n, [, c]) => n + c, 0);
  const fiveXx = Object.entries(figures.byStatus)
    .filter(([s]) => s.startsWith('5'))
    .reduce((n, [, c]) => n + c, 0);
  process.stdout.write(
    `${JSON.stringify({ seed, seconds: (Date.now() - started) / 1000, inputs: figures.inputs, '4xx': fourXx, '5xx': fiveXx, byStatus: figures.byStatus, crashed: figures.crashed, hangs: figures.hangs, goodEntriesSent: figures.goodEntriesSent, goodEntriesStored: figures.goodEntriesStored, invalidStored: figures.invalidStored, peakRssMb: figures.peakRssMb }, null, 2)}\n`,
  );
  if (broken.length > 0) {
    process.stderr.write(`fuzz: invariants broken (seed ${seed}):\n- ${broken.join('\n- ')}\n`);
    process.exitCode = 1;
  }
} finally {
  await engine.stop();
}
