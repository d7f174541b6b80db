/** Field encryption's cost on ingest (`npm run bench -- ingest`, and `-- ingest --only encryption` alone): the same load on an engine sealing `data.email` and on one sealing nothing. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BATCH, fmt, registrationFor, startChild, sustainedLoad, waitUntilRouted } from './http-load.js';
import { machine, printTable } from './report.js';

const SEALING_RULES = `event_driven_workflow_engine:
  trigger_rules:
    - event_type: user_registration
      workflow: onboarding_workflow
      conditions:
        - field: user_type
          value: premium
`;
const SEALED_FIELDS = `  event_sourcing:
    encrypt:
      - event_type: user_registration
        fields: [data.email]
`;

/**
 * Stored-and-routed rates of the same load with and without sealing (one rules directory and database each): every
 * event a `user_registration` whose `data.email` the sealed engine encrypts; 1 in 100 premium, starting its workflow.
 */
export async function encryptionCost(dir: string, durationMs: number, concurrency: number, tag: string): Promise<{ plain: number; sealed: number }> {
  const rate = async (name: string, config: string) => {
    const rulesDir = join(dir, `${name}-${tag}-rules`);
    mkdirSync(rulesDir, { recursive: true });
    writeFileSync(join(rulesDir, 'edwe.config.yaml'), config);
    const engine = await startChild([
      '--import',
      'tsx',
      'bin/edwe.ts',
      'dev',
      '--port',
      '0',
      '--db',
      join(dir, `${name}-${tag}.db`),
      '--rules',
      rulesDir,
      '--log-level',
      'warn',
    ]);
    try {
      const load = await sustainedLoad(engine.url, durationMs, concurrency, `${name}-${tag}`, registrationFor);
      const routedAt = await waitUntilRouted(engine.url, load.sent);
      return load.sent / ((routedAt - load.startedAt) / 1000);
    } finally {
      await engine.stop();
    }
  };
  const plain = await rate('plain', SEALING_RULES);
  const sealed = await rate('sealed', SEALING_RULES + SEALED_FIELDS);
  return { plain, sealed };
}

/**
 * `--only encryption`: the encryption rows alone, `rounds` times alternating (plain, sealed), so a machine's load
 * drifting during the run weighs on both; the ratio is of the summed rates.
 */
export async function encryptionOnly(durationMs: number, concurrency: number, rounds: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'edwe-bench-sealing-'));
  const rows: string[][] = [];
  let plain = 0;
  let sealed = 0;
  try {
    for (let round = 1; round <= rounds; round++) {
      const rates = await encryptionCost(dir, durationMs, concurrency, `r${round}`);
      plain += rates.plain;
      sealed += rates.sealed;
      rows.push([`round ${round}`, fmt(rates.plain), fmt(rates.sealed), `${(rates.sealed / rates.plain).toFixed(2)}×`]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  rows.push(['all rounds', fmt(plain / rounds), fmt(sealed / rounds), `${(sealed / plain).toFixed(2)}×`]);
  process.stdout.write(
    `\nfield encryption on ingest — ${machine()}; ${durationMs / 1000} s per engine, ${concurrency} batches of ${BATCH} in flight; every event a user_registration, data.email sealed or not\n\n`,
  );
  printTable(['run', 'without encryption: stored and routed (events/s)', 'data.email encrypted (events/s)', 'ratio'], rows);
  return 0;
}
