/**
 * Every Lambda bundle built as the stack builds it (lib/lambda-defaults.ts: ESM, minified, names kept, the AWS SDK
 * external), in memory, with esbuild's metafile: what `bundle-size.test.ts` checks and `npm run bundles` reports.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { defaultFunctionProps, PROJECT_ROOT } from '../../lib/lambda-defaults.js';
import { defaultPaths, loadProject } from '../../lambdas/project/load-project.js';

/** The stack's bundling props as esbuild options (what NodejsFunction passes on the command line). */
export function esbuildOptions(): BuildOptions {
  const bundling = defaultFunctionProps().bundling ?? {};
  const alias = Object.fromEntries(((bundling.esbuildArgs?.['--alias'] as string[] | undefined) ?? []).map((pair) => pair.split('=', 2) as [string, string]));
  return {
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: bundling.target ?? 'node22',
    mainFields: bundling.mainFields ?? [],
    external: bundling.externalModules ?? [],
    minify: bundling.minify ?? false,
    keepNames: bundling.keepNames ?? false,
    banner: { js: bundling.banner ?? '' },
    alias,
    // The router's, the sweeper's and the fast path's rules, as lib/router.ts puts them in.
    define: { __EDWE_RULES__: JSON.stringify(JSON.stringify(loadProject(defaultPaths(PROJECT_ROOT)).rules)) },
    write: false,
    metafile: true,
    outdir: join(PROJECT_ROOT, 'cdk.out', 'bundle-size'),
    logLevel: 'silent',
  };
}

/** Every Lambda entry of the stack, relative to the project root. */
export const LAMBDA_ENTRIES: readonly string[] = [
  ...readdirSync(join(PROJECT_ROOT, 'lambdas/handlers')).map((f) => `lambdas/handlers/${f}`),
  'lambdas/tasks/emit-event.ts',
  'lambdas/tasks/wait-for-event.ts',
  ...readdirSync(join(PROJECT_ROOT, 'workflows/tasks')).map((f) => `workflows/tasks/${f}`),
].filter((f) => f.endsWith('.ts'));

/** One bundle: its size and, per input module, the bytes it adds to the output. */
export interface LambdaBundle {
  entry: string;
  bytes: number;
  /** Input path (relative to the project root, `../…/node_modules/…` for packages) → bytes in the output. */
  inputs: Record<string, number>;
  /** The whole metafile, for following imports. */
  metafile: Metafile;
}

/** Builds one entry in memory. */
export async function buildBundle(entry: string, options: BuildOptions = esbuildOptions()): Promise<LambdaBundle> {
  const result = await build({ ...options, entryPoints: [join(PROJECT_ROOT, entry)] });
  const bytes = result.outputFiles?.find((file) => file.path.endsWith('.js'))?.contents.length ?? Number.NaN;
  const metafile = result.metafile as Metafile;
  const output = Object.values(metafile.outputs).find((o) => o.entryPoint !== undefined);
  const inputs = Object.fromEntries(Object.entries(output?.inputs ?? {}).map(([input, { bytesInOutput }]) => [input, bytesInOutput]));
  return { entry, bytes, inputs, metafile };
}

/** The package an input belongs to (`yaml`, `@aws-lambda-powertools/logger`), or `undefined` for the project's own code. */
export function packageOf(input: string): string | undefined {
  return /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1];
}
