/**
 * The X-Ray SDK comes from the engine's layer (lib/xray-layer.ts): the router's bundle, built with the stack's
 * options, imported by a plain `node` the way Lambda lays a function out (the bundle, the layer's `node_modules`
 * reachable by Node's resolution, the AWS SDK as the runtime's). That every function has the layer: test/infra/stack-resources.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../lib/lambda-defaults.js';
import { XRAY_SDK, xrayLayerPackages } from '../../lib/xray-layer.js';
import { esbuildOptions, packageOf } from './lambda-bundles.js';
import { layOutLambda } from './lambda-layout.js';

/** What the child process prints: the CommonJS files it loaded and the answer of one invocation. */
interface Loaded {
  files: string[];
  invocation: string;
}

/**
 * Imports the bundle, then invokes it once with an empty stream batch inside a trace (as Lambda sets `_X_AMZN_TRACE_ID`):
 * through the Powertools middlewares to the handler's wiring, which fails on the missing table variables (nothing else is set).
 */
const CHILD = `import { createRequire } from 'node:module';
const { handler } = await import(process.env.BUNDLE);
const context = { functionName: 'router', awsRequestId: 'r-1', invokedFunctionArn: 'arn:aws:lambda:eu-west-1:111122223333:function:router', getRemainingTimeInMillis: () => 10000 };
const invocation = await handler({ Records: [] }, context).then(() => 'answered', (error) => error.message);
const files = Object.keys(createRequire(process.env.BUNDLE).cache);
console.log(JSON.stringify({ files, invocation }));`;

let work: string;
let layer: string;
let loaded: Loaded;
let run: { status: number | null; stdout: string; stderr: string };
let bundleInputs: Record<string, number>;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'edwe-xray-layer-test-'));
  // /var/task: the bundle; /opt: the layer; node_modules above the task: the AWS SDK the runtime provides.
  const laidOut = layOutLambda(work, true);
  const task = laidOut.task;
  layer = laidOut.layer as string;

  const options = esbuildOptions();
  const result = await build({ ...options, entryPoints: [join(PROJECT_ROOT, 'lambdas/handlers/router.ts')] });
  const output = Object.values(result.metafile?.outputs ?? {}).find((o) => o.entryPoint !== undefined);
  bundleInputs = Object.fromEntries(Object.entries(output?.inputs ?? {}).map(([input, { bytesInOutput }]) => [input, bytesInOutput]));
  writeFileSync(join(task, 'index.mjs'), result.outputFiles?.find((file) => file.path.endsWith('.js'))?.contents ?? '');

  const child = spawnSync(process.execPath, ['--input-type=module', '-e', CHILD], {
    cwd: task,
    encoding: 'utf8',
    timeout: 20_000,
    env: {
      PATH: process.env.PATH,
      BUNDLE: join(task, 'index.mjs'),
      AWS_REGION: 'eu-west-1',
      AWS_LAMBDA_FUNCTION_NAME: 'router',
      LAMBDA_TASK_ROOT: task,
      POWERTOOLS_SERVICE_NAME: 'router',
      POWERTOOLS_TRACE_ENABLED: 'true',
      _X_AMZN_TRACE_ID: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
      // The SDK logs what it does to stdout: that it started in Lambda mode, from the trace header.
      AWS_XRAY_DEBUG_MODE: 'TRUE',
      NODE_NO_WARNINGS: '1',
    },
  });
  run = { status: child.status, stdout: child.stdout, stderr: child.stderr };
  loaded = child.status === 0 ? (JSON.parse(child.stdout.split('\n').find((line) => line.startsWith('{"files"')) as string) as Loaded) : { files: [], invocation: '' };
}, 60_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the X-Ray layer', () => {
  it('holds the SDK and its runtime dependencies under nodejs/node_modules, with the semver stub and no declaration packages', () => {
    const modules = join(layer, 'nodejs', 'node_modules');
    for (const name of [XRAY_SDK, 'cls-hooked', 'atomic-batcher', 'emitter-listener', 'shimmer', '@smithy/service-error-classification']) {
      expect(existsSync(join(modules, name, 'package.json')), name).toBe(true);
    }
    expect(readFileSync(join(modules, 'semver', 'index.js'), 'utf8')).toContain('semver is not bundled');
    expect(existsSync(join(modules, '@types'))).toBe(false);
    // The SDK is the installed one, unmodified: the version Powertools Tracer resolves.
    const installed = JSON.parse(readFileSync(join(PROJECT_ROOT, 'node_modules', XRAY_SDK, 'package.json'), 'utf8')) as { version: string };
    expect(xrayLayerPackages().find(({ name }) => name === XRAY_SDK)?.version).toBe(installed.version);
  });

  it('is left out of the bundles: the router bundles no module of the X-Ray SDK, cls-hooked or semver', () => {
    const packages = new Set(Object.keys(bundleInputs).map(packageOf));
    expect(packages.has('@aws-lambda-powertools/tracer')).toBe(true);
    for (const name of [XRAY_SDK, 'cls-hooked', 'semver']) expect(packages.has(name), name).toBe(false);
  });

  it("lets the router's bundle load and trace an invocation with the SDK from the layer", () => {
    expect(run.stderr).not.toMatch(/ERR_MODULE_NOT_FOUND|Cannot find (module|package)/);
    expect(run.status, run.stderr).toBe(0);

    // The invocation got past the tracer middleware to the wiring, which names the first variable it misses.
    expect(loaded.invocation).toMatch(/^Invalid environment: STATE_TABLE is not set/);
    // The layer's SDK ran as it does in Lambda: the facade segment started from the invocation's trace header.
    expect(run.stdout).toContain('Lambda trace data found: Root=1-5759e988-bd862e3fe1be46a994272793');
    expect(run.stdout).toMatch(/Segment started: \{"root":"1-5759e988-bd862e3fe1be46a994272793","parent":"53995c3f42cd8ad8"/);
    const xray = loaded.files.filter((file) => file.includes(`/node_modules/${XRAY_SDK}/`));
    expect(xray.length).toBeGreaterThan(10);
    for (const file of xray) expect(file.startsWith(join(layer, 'nodejs', 'node_modules'))).toBe(true);
    expect(loaded.files).toContain(join(layer, 'nodejs', 'node_modules', 'semver', 'index.js'));
  });
});
