/**
 * Every Lambda bundle stays small (docs/capacity.md, "Bundles"): built here with esbuild and the
 * stack's own bundling options (lib/lambda-defaults.ts), minified, without its source map.
 */
import { describe, expect, it } from 'vitest';
import { buildBundle, esbuildOptions, LAMBDA_ENTRIES, packageOf } from './lambda-bundles.js';

const LIMIT_BYTES = 250 * 1024;

/**
 * Bundles allowed over the limit, with why (sizes in docs/capacity.md, "Bundles"). The X-Ray SDK comes from the
 * engine's layer (lib/xray-layer.ts), so what every function carries before a line of the engine is Powertools
 * (~48 KB) and zod/mini (~30 KB). A listed bundle that gets under the limit fails the test, so the list cannot go stale.
 */
const KNOWN_OVER: Readonly<Record<string, string>> = {};

interface Measured {
  entry: string;
  kb: number;
  /** The modules of the yaml package in the bundle (esbuild's metafile: inputs with bytes in the output). */
  yamlModules: string[];
}

let measured: Promise<Measured[]> | undefined;
/** Every bundle built once (both tests read it), with its size and its inputs. */
function measureAll(): Promise<Measured[]> {
  measured ??= (async () => {
    const options = esbuildOptions();
    const sizes: Measured[] = [];
    for (const entry of LAMBDA_ENTRIES) {
      const { bytes, inputs } = await buildBundle(entry, options);
      const yamlModules = Object.entries(inputs)
        .filter(([input, bytesInOutput]) => packageOf(input) === 'yaml' && bytesInOutput > 0)
        .map(([input]) => input);
      sizes.push({ entry, kb: Math.round((bytes / 1024) * 10) / 10, yamlModules });
    }
    console.log(sizes.map(({ entry, kb }) => `${entry.padEnd(46)} ${kb.toFixed(1).padStart(6)} KB`).join('\n'));
    return sizes;
  })();
  return measured;
}

describe('Lambda bundles', () => {
  it(`are each at most ${LIMIT_BYTES / 1024} KB minified, without the source map`, { timeout: 120_000 }, async () => {
    const sizes = await measureAll();

    expect(sizes.length).toBeGreaterThan(10);
    const over = sizes.filter(({ kb }) => !(kb * 1024 <= LIMIT_BYTES)).map(({ entry }) => entry);
    expect(over).toEqual(Object.keys(KNOWN_OVER));
  });

  it('contain no YAML parser: routing compiles managed rules from their stored read form, the rules API reads JSON with its own reader', { timeout: 120_000 }, async () => {
    const sizes = await measureAll();
    // The check can see the parser: the rule files' reader, bundled alone, holds it.
    const { inputs } = await buildBundle('lambdas/core/rules/parse.ts', esbuildOptions());

    expect(sizes.filter(({ yamlModules }) => yamlModules.length > 0).map(({ entry }) => entry)).toEqual([]);
    expect(Object.entries(inputs).filter(([input, bytes]) => packageOf(input) === 'yaml' && bytes > 0).length).toBeGreaterThan(10);
  });
});
