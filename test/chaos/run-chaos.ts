/** `npm run chaos -- --kills 20`: the chaos run (test/support/chaos.ts) with its figures as JSON. */
import { parseArgs } from 'node:util';
import { runChaos } from '../support/chaos.js';

const { values } = parseArgs({ options: { kills: { type: 'string', default: '20' } } });
const kills = Number(values.kills);
if (!Number.isInteger(kills) || kills < 1) {
  process.stderr.write(`--kills must be a positive integer, got "${values.kills}"\n`);
  process.exit(2);
}
const figures = await runChaos({ kills, log: (line) => process.stderr.write(`${line}\n`) }).catch((error: unknown) => {
  process.stderr.write(`the chaos run failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
const broken = Object.entries(figures).filter(([name, n]) => !['kills', 'acknowledged', 'orders', 'replays', 'peakRssMb'].includes(name) && n !== 0);
process.exit(broken.length === 0 ? 0 : 1);
