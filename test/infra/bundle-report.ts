#!/usr/bin/env tsx
/**
 * `npm run bundles [-- <entry filter>] [--why <package>]`: each Lambda bundle's size, split into what every function
 * carries (X-Ray SDK, Powertools, zod) and the engine's own code, the largest own modules, and with `--why` the chain
 * of imports that brings a package in. Sizes as test/infra/bundle-size.test.ts measures them (docs/capacity.md, "Bundles").
 */
import { parseArgs } from 'node:util';
import type { Metafile } from 'esbuild';
import { buildBundle, esbuildOptions, LAMBDA_ENTRIES, packageOf } from './lambda-bundles.js';

/** The columns: a package belongs to the first group whose test it passes. */
const GROUPS: ReadonlyArray<[string, (pkg: string) => boolean]> = [
  ['x-ray', (pkg) => /^(aws-xray-sdk-core|cls-hooked|emitter-listener|shimmer|async-hook-jl|stack-chain|atomic-batcher|@aws\/lambda-invoke-store)$/.test(pkg)],
  ['powertools', (pkg) => pkg.startsWith('@aws-lambda-powertools/') || pkg.startsWith('@middy/')],
  ['zod', (pkg) => pkg === 'zod'],
  ['yaml', (pkg) => pkg === 'yaml'],
  ['other', () => true],
];

const kb = (bytes: number) => (bytes / 1024).toFixed(1).padStart(6);

/** The shortest import chain from the entry to a module of `pkg`, through modules that are in the output. */
function whyChain(metafile: Metafile, inputs: Record<string, number>, entry: string, pkg: string): string[] | undefined {
  const start = Object.keys(metafile.inputs).find((input) => input.endsWith(entry));
  if (start === undefined) return undefined;
  const previous = new Map<string, string>();
  const queue = [start];
  for (let at = queue.shift(); at !== undefined; at = queue.shift()) {
    if (packageOf(at) === pkg) {
      const chain = [at];
      for (let step = previous.get(at); step !== undefined; step = previous.get(step)) chain.unshift(step);
      return chain;
    }
    for (const { path } of metafile.inputs[at]?.imports ?? []) {
      if (previous.has(path) || path === start || !((inputs[path] ?? 0) > 0 || packageOf(path) !== undefined)) continue;
      previous.set(path, at);
      queue.push(path);
    }
  }
  return undefined;
}

const { values, positionals } = parseArgs({ options: { why: { type: 'string' }, top: { type: 'string', default: '0' } }, allowPositionals: true });
const options = esbuildOptions();
process.stdout.write(`${'bundle'.padEnd(44)} ${'total'.padStart(6)} ${GROUPS.map(([name]) => name.padStart(10)).join(' ')} ${'own'.padStart(6)}  (KB)\n`);
for (const entry of LAMBDA_ENTRIES.filter((e) => positionals.length === 0 || positionals.some((p) => e.includes(p)))) {
  const { bytes, inputs, metafile } = await buildBundle(entry, options);
  const totals = new Map<string, number>();
  for (const [input, size] of Object.entries(inputs)) {
    const pkg = packageOf(input);
    const group = pkg === undefined ? 'own' : (GROUPS.find(([, test]) => test(pkg))?.[0] ?? 'other');
    totals.set(group, (totals.get(group) ?? 0) + size);
  }
  process.stdout.write(`${entry.padEnd(44)} ${kb(bytes)} ${GROUPS.map(([name]) => kb(totals.get(name) ?? 0).padStart(10)).join(' ')} ${kb(totals.get('own') ?? 0)}\n`);
  const own = Object.entries(inputs).filter(([input, size]) => packageOf(input) === undefined && size > 0);
  for (const [input, size] of own.sort((a, b) => b[1] - a[1]).slice(0, Number(values.top))) process.stdout.write(`    ${kb(size)} ${input}\n`);
  if (values.why !== undefined) {
    const chain = whyChain(metafile, inputs, entry, values.why);
    process.stdout.write(chain === undefined ? `    (no ${values.why})\n` : `    ${chain.join('\n      → ')}\n`);
  }
}
