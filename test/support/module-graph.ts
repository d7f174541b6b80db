/** What a Node process loads when it imports a module: ES modules (module hooks) and CommonJS files (require.cache). */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const RECORDER = pathToFileURL(fileURLToPath(new URL('./record-loads.mjs', import.meta.url))).href;

/** Packages the library entry must not load: the CDK, the AWS SDK, Powertools, middy, tsx. */
export const NOT_IN_LIBRARY = /\/node_modules\/(aws-cdk-lib|constructs|@aws-sdk|@smithy|@aws-lambda-powertools|@middy|tsx)\//;

/**
 * Every file loaded by `node [nodeArgs] -e "await import(specifier)"` run in `cwd`.
 * @throws Error with the child's stderr when the import fails.
 */
export function modulesLoadedBy(specifier: string, cwd: string, nodeArgs: string[] = []): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'edwe-loads-'));
  const file = join(dir, 'loads.txt');
  try {
    const script = `import { createRequire } from 'node:module'; import { appendFileSync } from 'node:fs';
await import(${JSON.stringify(specifier)});
appendFileSync(process.env.EDWE_LOADS_FILE, Object.keys(createRequire(import.meta.url).cache).join('\\n') + '\\n');`;
    const run = spawnSync(process.execPath, [...nodeArgs, '--import', RECORDER, '--input-type=module', '-e', script], {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, EDWE_LOADS_FILE: file, NODE_NO_WARNINGS: '1' },
    });
    if (run.status !== 0) throw new Error(`importing ${specifier} failed:\n${run.stderr}`);
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => (line.startsWith('file:') ? fileURLToPath(line) : line));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
