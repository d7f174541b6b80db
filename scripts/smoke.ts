#!/usr/bin/env tsx
/** `npm run smoke -- --stack EdweStack [--region R] [--dead-letter OUTPUT]`: the smoke test of a deployed stack (cli/smoke.ts). */
import { parseArgs } from 'node:util';
import { runSmoke, smokeDeps } from '../cli/smoke.js';

const { values } = parseArgs({
  options: {
    stack: { type: 'string', default: 'EdweStack' },
    region: { type: 'string' },
    'dead-letter': { type: 'string' },
    'alarm-minutes': { type: 'string' },
  },
});
const log = (line: string) => process.stderr.write(`${line}\n`);
runSmoke(
  {
    stack: values.stack,
    ...(values['dead-letter'] ? { deadLetterOutput: values['dead-letter'] } : {}),
    ...(values['alarm-minutes'] ? { alarmTimeoutMs: Number(values['alarm-minutes']) * 60_000 } : {}),
  },
  smokeDeps(values.region, log),
).then(
  (result) => {
    process.stdout.write(`${JSON.stringify({ ok: true, ...result })}\n`);
  },
  (error: unknown) => {
    log(`✗ ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
