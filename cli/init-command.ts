/**
 * `edwe init [DIR]`: scaffolds a project folder with the seed's example — `rules/onboarding.yaml`,
 * `workflows/onboarding_workflow.asl.json` and its JavaScript task functions, and an example event —
 * so that `edwe dev` runs there at once. Never overwrites a file: it refuses, naming each one.
 */
import { cpSync, existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { CliIo } from './io.js';

export const INIT_USAGE = 'Usage: edwe init [DIR] [--force]   (DIR defaults to the working directory; --force overwrites the example files)';

/** The template's folder: `templates/init` at the package root, from `cli/` (sources) or `dist/cli/` (built). */
export const TEMPLATE_DIR = ['../templates/init', '../../templates/init'].map((p) => fileURLToPath(new URL(p, import.meta.url))).find((dir) => existsSync(dir)) ?? '';

/** Every file of the template, as paths relative to it. */
export function templateFiles(dir = TEMPLATE_DIR): string[] {
  const walk = (at: string): string[] => readdirSync(at).flatMap((name) => (statSync(join(at, name)).isDirectory() ? walk(join(at, name)) : [join(at, name)]));
  return walk(dir)
    .map((file) => relative(dir, file))
    .sort();
}

export async function initCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: { force: { type: 'boolean', default: false } }, allowPositionals: true, strict: true });
  if (positionals.length > 1) throw new Error(`one folder at most\n${INIT_USAGE}`);
  if (TEMPLATE_DIR === '') throw new Error('the project template (templates/init) is missing from this installation of edwe');
  const target = resolve(io.cwd, positionals[0] ?? '.');
  const files = templateFiles();
  const existing = files.filter((file) => existsSync(join(target, file)));
  if (existing.length > 0 && !values.force) {
    io.stderr(`edwe init: these files exist already in ${target}; nothing was written (--force overwrites them):\n${existing.map((f) => `  ${f}\n`).join('')}`);
    return 1;
  }
  for (const file of files) cpSync(join(TEMPLATE_DIR, file), join(target, file));
  const where = relative(io.cwd, target) || '.';
  io.stdout(
    `Created the seed's example in ${where}:\n${files.map((f) => `  ${f}\n`).join('')}\n` +
      `Next:\n${where === '.' ? '' : `  cd ${where}\n`}  npx edwe dev                                  # the engine on http://127.0.0.1:3000\n` +
      '  npx edwe send --file events/premium-registration.json   # in another terminal: starts onboarding_workflow\n',
  );
  return 0;
}
