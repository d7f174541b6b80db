/**
 * `npm run bench -- <name> [args…]`: runs `bench/<name>.ts`, whose default export is
 * `(args: string[]) => Promise<number | undefined>` (an exit code, 0 when omitted).
 */
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => /^[a-z0-9-]+\.ts$/.test(f) && f !== 'run.ts')
  .map((f) => f.slice(0, -3))
  .sort();

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || !available.includes(name)) {
    process.stderr.write(`${name === undefined ? 'Which benchmark?' : `No benchmark "${name}".`} Usage: npm run bench -- <${available.join('|')}> [args]\n`);
    return 2;
  }
  const module = (await import(pathToFileURL(`${here}/${name}.ts`).href)) as { default?: (args: string[]) => Promise<number | undefined> };
  if (typeof module.default !== 'function') {
    process.stderr.write(`bench/${name}.ts has no default export to run\n`);
    return 2;
  }
  return (await module.default(rest)) ?? 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
