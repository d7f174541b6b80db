/**
 * `npm run bench -- coldstart [--runs 7] [--all | entry filter…]`
 *
 * A Lambda cold start's INIT phase as far as it can be had without AWS: each bundle, built with the stack's esbuild
 * options, imported by a fresh `node` laid out as Lambda lays a function out (test/infra/lambda-layout.ts), with the
 * X-Ray SDK from the engine's layer, against a baseline build with the SDK bundled in (as before the layer). Per bundle:
 * its size, the time to import it until the handler is exported (median and p90 over the runs), the time from the
 * process's start to that point, and the first invocation (its wiring: environment parsed, clients made; the AWS SDK
 * pointed at a closed local port, so a call the handler makes fails at once), with the import's CPU time, steadier than
 * its wall time on a shared machine. The two builds alternate run by run so that load on the machine weighs on both.
 * Without `--all` or a filter, seven functions that span the bundle sizes.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { build, type BuildOptions } from 'esbuild';
import { ENV } from '../lambdas/layout/environment.js';
import { PROJECT_ROOT } from '../lib/lambda-defaults.js';
import { esbuildOptions, LAMBDA_ENTRIES } from '../test/infra/lambda-bundles.js';
import { type LambdaLayout, layOutLambda, withXraySdkBundled } from '../test/infra/lambda-layout.js';
import { machine, percentile, printTable } from './lib/report.js';

/** What the child prints after one cold start: times in ms (`ready` is from the process's time origin), the first invocation's outcome, the files it required. */
interface Sample {
  import: number;
  importCpu: number;
  ready: number;
  invoke: number;
  invocation: string;
  layerFiles: number;
}

/** The first invocation's event: an empty batch, or for the built-in tasks (which check their input before their services) a valid input. */
const FIRST_EVENTS: Readonly<Record<string, unknown>> = {
  'emit-event': { type: 'bench_event', correlationId: 'c-1' },
  'wait-for-event': { taskToken: 'token-1', correlationId: 'c-1', eventType: 'bench_event' },
};

/** Imports the bundle, invokes its handler once with EVENT, and prints the times on one line. */
const CHILD = `import { createRequire } from 'node:module';
const started = performance.now();
const cpu = process.cpuUsage();
const { handler } = await import(process.env.BUNDLE);
const imported = performance.now();
const importCpu = process.cpuUsage(cpu);
if (typeof handler !== 'function') throw new Error('the bundle exports no handler');
const context = { functionName: process.env.AWS_LAMBDA_FUNCTION_NAME, awsRequestId: 'r-1', invokedFunctionArn: 'arn:aws:lambda:eu-west-1:111122223333:function:bench', getRemainingTimeInMillis: () => 10000 };
const invocation = await handler(JSON.parse(process.env.EVENT), context).then(() => 'answered', (error) => String(error?.message ?? error).split('\\n')[0]);
const invoked = performance.now();
const files = Object.keys(createRequire(process.env.BUNDLE).cache);
const layer = process.env.LAYER_DIR;
console.log('COLDSTART ' + JSON.stringify({ import: imported - started, importCpu: (importCpu.user + importCpu.system) / 1000, ready: imported, invoke: invoked - imported, invocation, layerFiles: layer ? files.filter((f) => f.startsWith(layer)).length : 0 }));
`;

/** Nothing listens here: an AWS call fails at once (one attempt) instead of reaching a service. */
const CLOSED = 'http://127.0.0.1:9';
const ARN = 'arn:aws:states:eu-west-1:111122223333:stateMachine:';

/** The functions measured when no filter is given: the largest bundles, the rules API (the YAML parser), two small ones. */
const DEFAULT_ENTRIES = ['router', 'ingest-http', 'sweeper', 'rules-http', 'query-http', 'replay-start', 'emit-event'];

/** A function of Powertools Tracer alone (no AWS SDK client, none of the engine): what the layer changes, without the rest of an import around it. Always measured. */
const TRACER_ONLY = 'tracer-only';
const TRACER_ONLY_SOURCE = `import { Tracer } from '@aws-lambda-powertools/tracer';
const tracer = new Tracer();
export const handler = async () => ({ tracing: tracer.isTracingEnabled() });`;

/** Variables a function needs beyond the common ones: the sensitive query reads only sealed fields. */
const OWN_ENVIRONMENT: Readonly<Record<string, NodeJS.ProcessEnv>> = {
  'query-sensitive-http': {
    [ENV.FIELD_ENCRYPTION]: JSON.stringify([{ eventType: 'user_registration', fields: ['data.email'] }]),
    [ENV.FIELD_KEY_ARN]: 'arn:aws:kms:eu-west-1:111122223333:key/00000000-0000-0000-0000-000000000000',
  },
};

/** What the stack sets on every function (lib/lambda-defaults.ts) and what Lambda sets, with made-up resources for each variable the wiring reads. */
function lambdaEnvironment(service: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIDBENCH',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_ENDPOINT_URL: CLOSED,
    AWS_MAX_ATTEMPTS: '1',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    AWS_LAMBDA_FUNCTION_NAME: service,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
    AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1:2000',
    AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
    _X_AMZN_TRACE_ID: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
    [ENV.NODE_OPTIONS]: '--enable-source-maps',
    [ENV.POWERTOOLS_SERVICE_NAME]: service,
    [ENV.POWERTOOLS_METRICS_NAMESPACE]: 'edwe',
    [ENV.POWERTOOLS_LOG_LEVEL]: 'INFO',
    [ENV.EVENTS_TABLE]: 'bench-events',
    [ENV.STATE_TABLE]: 'bench-state',
    [ENV.DEAD_LETTER_QUEUE_URL]: `${CLOSED}/111122223333/bench-dead-letters`,
    [ENV.FLOW_WAKE_QUEUE_URL]: `${CLOSED}/111122223333/bench-flow-wake`,
    [ENV.STATE_MACHINE_ARN_PREFIX]: `${ARN}EdweStack_`,
    [ENV.WORKFLOW_TYPES]: '{}',
    [ENV.WORKFLOW_IDS]: 'onboarding_workflow',
    [ENV.SWEEP_MIN_AGE_SECONDS]: '60',
    [ENV.SWEEP_MAX_EVENTS]: '100',
    [ENV.SWEEP_MAX_ATTEMPTS]: '5',
    [ENV.START_LATENCY_OBJECTIVE_MS]: '500',
    [ENV.EVENT_BUS_NAME]: 'bench-bus',
    [ENV.REPLAY_MAX_RATE]: '150',
    [ENV.REPLAY_DRIVER_ARN]: `${ARN}bench-replay-driver`,
    [ENV.BULK_DRIVER_ARN]: `${ARN}bench-bulk-driver`,
    [ENV.RULE_REFRESH_SECONDS]: '60',
    ...OWN_ENVIRONMENT[service],
  };
}

/** Builds `entry` with `options` into the layout's task directory, with its source map beside it as the stack deploys it; returns the bundle's path and size. */
async function buildInto(entry: string, options: BuildOptions, layout: LambdaLayout): Promise<{ file: string; bytes: number }> {
  const file = join(layout.task, `${basename(entry, '.ts')}.mjs`);
  const { outdir: _memoryOnly, ...rest } = options;
  const input: BuildOptions =
    entry === TRACER_ONLY
      ? { stdin: { contents: TRACER_ONLY_SOURCE, resolveDir: PROJECT_ROOT, sourcefile: 'tracer-only.ts', loader: 'ts' } }
      : { entryPoints: [join(PROJECT_ROOT, entry)] };
  await build({ ...rest, ...input, outfile: file, write: true, metafile: false, sourcemap: true, sourcesContent: false });
  return { file, bytes: statSync(file).size };
}

/** One cold start of `file` in a fresh `node`. */
function coldStart(file: string, layout: LambdaLayout, service: string): Sample {
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', CHILD], {
    cwd: layout.task,
    encoding: 'utf8',
    timeout: 30_000,
    env: {
      ...lambdaEnvironment(service),
      LAMBDA_TASK_ROOT: layout.task,
      BUNDLE: file,
      LAYER_DIR: layout.layer ?? '',
      EVENT: JSON.stringify(FIRST_EVENTS[service] ?? { Records: [] }),
    },
  });
  const line = child.stdout.split('\n').find((l) => l.startsWith('COLDSTART '));
  if (child.status !== 0 || line === undefined) throw new Error(`${basename(file)} did not start (exit ${child.status}): ${child.stderr.slice(0, 2000)}`);
  return JSON.parse(line.slice('COLDSTART '.length)) as Sample;
}

/** Bytes under `dir`, following no links. */
function bytesUnder(dir: string): number {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .reduce((sum, d) => sum + statSync(join(d.parentPath, d.name)).size, 0);
}

/** The p-th percentile of one measure over a bundle's runs. */
const at = (samples: Sample[], key: Exclude<keyof Sample, 'invocation'>, p = 50) =>
  percentile(
    samples.map((s) => s[key]),
    p,
  );
const med = (samples: Sample[], key: Exclude<keyof Sample, 'invocation'>) => at(samples, key);
const p90 = (samples: Sample[]) => at(samples, 'import', 90);
const ms = (value: number) => value.toFixed(1);
const kb = (bytes: number) => (bytes / 1024).toFixed(1);

export default async function coldstartBench(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { runs: { type: 'string', default: '7' }, all: { type: 'boolean', default: false } },
    allowPositionals: true,
  });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got ${values.runs}`);
  const filter = values.all ? [''] : positionals.length > 0 ? positionals : DEFAULT_ENTRIES.map((name) => `/${name}.ts`);
  const entries = LAMBDA_ENTRIES.filter((e) => !e.startsWith('workflows/') && filter.some((p) => e.includes(p)));
  if (entries.length === 0) throw new Error(`no Lambda entry matches ${positionals.join(' ')}`);
  entries.unshift(TRACER_ONLY);

  const work = mkdtempSync(join(tmpdir(), 'coldstart-'));
  try {
    const layered = layOutLambda(join(work, 'layer'), true);
    const bundled = layOutLambda(join(work, 'bundled'), false);
    const options = esbuildOptions();
    const variants = [
      { layout: layered, options },
      { layout: bundled, options: withXraySdkBundled(options) },
    ];
    const built = [];
    for (const entry of entries) built.push({ entry, service: basename(entry, '.ts'), builds: await Promise.all(variants.map((v) => buildInto(entry, v.options, v.layout))) });

    const samples = built.map(() => variants.map((): Sample[] => []));
    for (let run = -1; run < runs; run++) {
      // Run -1 warms the file cache and is not counted; the order of the two builds alternates run by run.
      const order = run % 2 === 0 ? [0, 1] : [1, 0];
      built.forEach(({ builds, service }, b) => {
        for (const v of order) {
          const sample = coldStart((builds[v] as { file: string }).file, (variants[v] as { layout: LambdaLayout }).layout, service);
          if (run >= 0) samples[b]?.[v]?.push(sample);
        }
      });
    }

    const rows: string[][] = [];
    const ratios: number[] = [];
    const cpuRatios: number[] = [];
    let missingLayer = 0;
    built.forEach(({ entry, builds }, b) => {
      const [layer, inBundle] = samples[b] as [Sample[], Sample[]];
      const ratio = med(layer, 'import') / med(inBundle, 'import');
      ratios.push(ratio);
      cpuRatios.push(med(layer, 'importCpu') / med(inBundle, 'importCpu'));
      if (layer.some((s) => s.layerFiles === 0)) missingLayer++;
      rows.push([
        entry === TRACER_ONLY ? '(Powertools Tracer alone)' : entry.replace(/^lambdas\//, ''),
        `${kb(builds[0]?.bytes ?? 0)} / ${kb(builds[1]?.bytes ?? 0)}`,
        `${ms(med(layer, 'import'))} / ${ms(p90(layer))}`,
        `${ms(med(inBundle, 'import'))} / ${ms(p90(inBundle))}`,
        `${ratio.toFixed(2)}×`,
        `${ms(med(layer, 'importCpu'))} / ${ms(med(inBundle, 'importCpu'))}`,
        `${ms(med(layer, 'ready'))} / ${ms(med(inBundle, 'ready'))}`,
        `${ms(med(layer, 'invoke'))} / ${ms(med(inBundle, 'invoke'))}`,
        `${layer[0]?.layerFiles ?? 0}`,
        (layer[0]?.invocation ?? '').slice(0, 60),
      ]);
    });

    const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    process.stdout.write(`coldstart — ${machine()}, ${runs} runs each (+1 not counted), load average ${load}\n`);
    process.stdout.write(`X-Ray layer: ${kb(bytesUnder(join(layered.layer as string, 'nodejs')))} KB unzipped\n\n`);
    printTable(
      [
        'bundle',
        'KB: layer / bundled',
        'import ms, layer: median / p90',
        'import ms, bundled: median / p90',
        'import layer/bundled',
        'import CPU ms: layer / bundled',
        'process start → handler, ms: layer / bundled',
        'first invoke ms: layer / bundled',
        'files from layer',
        'first invocation',
      ],
      rows,
    );
    process.stdout.write(`\nmedian of the ratios, layer / bundled: import ${percentile(ratios, 50).toFixed(2)}×, import CPU ${percentile(cpuRatios, 50).toFixed(2)}×\n`);
    if (missingLayer > 0) process.stdout.write(`${missingLayer} bundle(s) loaded nothing from the layer: the layout is wrong\n`);
    return missingLayer > 0 ? 1 : 0;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
