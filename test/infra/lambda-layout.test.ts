/**
 * The two layouts `npm run bench -- coldstart` measures (test/infra/lambda-layout.ts) hold a tree their build can load:
 * with the layer, the X-Ray SDK comes from `opt/nodejs/node_modules`; the baseline build carries the SDK in its bundle
 * and loads with no `node_modules` beside it. A function of Powertools Tracer alone stands for any bundle (the router's
 * with the layer: test/infra/xray-layer.test.ts).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../lib/lambda-defaults.js';
import { XRAY_SDK } from '../../lib/xray-layer.js';
import { esbuildOptions } from './lambda-bundles.js';
import { type LambdaLayout, layOutLambda, withXraySdkBundled } from './lambda-layout.js';

const TRACER_ONLY = `import { Tracer } from '@aws-lambda-powertools/tracer';
const tracer = new Tracer();
export const handler = async () => tracer.isTracingEnabled();`;

/** Imports the bundle and prints whether it exported a handler and the CommonJS files it loaded. */
const CHILD = `import { createRequire } from 'node:module';
const { handler } = await import(process.env.BUNDLE);
console.log(JSON.stringify({ handler: typeof handler, files: Object.keys(createRequire(process.env.BUNDLE).cache) }));`;

interface Loaded {
  handler: string;
  files: string[];
}

let work: string;

/** Builds the Tracer-alone function with `options` into `layout`'s task, and imports it in a fresh `node`. */
async function buildAndLoad(layout: LambdaLayout, options: BuildOptions): Promise<Loaded & { bytes: number }> {
  const { outdir: _memoryOnly, ...rest } = options;
  const result = await build({ ...rest, stdin: { contents: TRACER_ONLY, resolveDir: PROJECT_ROOT, sourcefile: 'tracer-only.ts', loader: 'ts' }, outfile: 'index.mjs' });
  const code = result.outputFiles?.find((file) => file.path.endsWith('.mjs'))?.contents ?? new Uint8Array();
  const bundle = join(layout.task, 'index.mjs');
  writeFileSync(bundle, code);
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', CHILD], {
    cwd: layout.task,
    encoding: 'utf8',
    timeout: 20_000,
    env: { PATH: process.env.PATH, BUNDLE: bundle, AWS_REGION: 'eu-west-1', NODE_NO_WARNINGS: '1' },
  });
  expect(child.stderr).not.toMatch(/ERR_MODULE_NOT_FOUND|Cannot find (module|package)/);
  expect(child.status, child.stderr).toBe(0);
  return { ...(JSON.parse(child.stdout.trim().split('\n').at(-1) as string) as Loaded), bytes: code.length };
}

let withLayer: LambdaLayout;
let withoutLayer: LambdaLayout;
let layered: Loaded & { bytes: number };
let bundled: Loaded & { bytes: number };

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'edwe-lambda-layout-test-'));
  withLayer = layOutLambda(join(work, 'layer'), true);
  withoutLayer = layOutLambda(join(work, 'bundled'), false);
  const options = esbuildOptions();
  layered = await buildAndLoad(withLayer, options);
  bundled = await buildAndLoad(withoutLayer, withXraySdkBundled(options));
}, 60_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the cold-start layouts', () => {
  it('load the X-Ray SDK from the layer when the bundle leaves it external', () => {
    expect(layered.handler).toBe('function');
    const sdk = layered.files.filter((file) => file.includes(`/node_modules/${XRAY_SDK}/`));
    expect(sdk.length).toBeGreaterThan(10);
    for (const file of sdk) expect(file.startsWith(join(withLayer.layer as string, 'nodejs', 'node_modules'))).toBe(true);
  });

  it('load the baseline with the SDK in the bundle and no node_modules beside it', () => {
    expect(withoutLayer.layer).toBeUndefined();
    expect(existsSync(join(withoutLayer.task, 'node_modules'))).toBe(false);
    expect(bundled.handler).toBe('function');
    expect(bundled.files.filter((file) => file.includes('/node_modules/'))).toEqual([]);
    // The SDK, cls-hooked and friends are in the baseline's bundle: tens of KB more than the layered one.
    expect(bundled.bytes - layered.bytes).toBeGreaterThan(50 * 1024);
  });
});
