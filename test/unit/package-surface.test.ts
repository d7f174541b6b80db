import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { modulesLoadedBy, NOT_IN_LIBRARY } from '../support/module-graph.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as {
  exports: Record<string, string | { types: string; default: string }>;
  bin: Record<string, string>;
  files: string[];
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
};
const buildInclude = (JSON.parse(readFileSync(`${ROOT}tsconfig.build.json`, 'utf8')) as { include: string[] }).include;

/** `./dist/a/b.js` or `.d.ts` → `a/b.ts`, the source tsc builds it from. */
const sourceOf = (built: string) => built.replace(/^\.?\/?dist\//, '').replace(/(\.d\.ts|\.js)$/, '.ts');

describe('the package surface (package.json, tsconfig.build.json)', () => {
  it('maps every export, types and code, to a source file that the build compiles', () => {
    const targets = Object.entries(pkg.exports).filter(([name]) => name !== './package.json');

    expect(targets.map(([name]) => name)).toEqual(['.', './core', './cdk', './tasks']);
    for (const [, target] of targets) {
      if (typeof target === 'string') throw new Error(`export ${target} has no types`);
      expect(sourceOf(target.types)).toBe(sourceOf(target.default));
      expect(existsSync(`${ROOT}${sourceOf(target.default)}`), sourceOf(target.default)).toBe(true);
      expect(buildInclude).toContain(sourceOf(target.default).split('/')[0]);
    }
  });

  it('runs the CLI from the built JavaScript with plain node', () => {
    expect(sourceOf(pkg.bin.edwe as string)).toBe('bin/edwe.ts');
    expect(readFileSync(`${ROOT}bin/edwe.ts`, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
    expect(pkg.files).toContain('templates');
  });

  it('makes the CDK and tsx optional peer dependencies, not dependencies', () => {
    for (const name of ['aws-cdk-lib', 'constructs', 'tsx']) {
      expect(pkg.dependencies[name], name).toBeUndefined();
      expect(pkg.peerDependencies[name], name).toBeDefined();
      expect(pkg.peerDependenciesMeta[name]?.optional, name).toBe(true);
    }
  });

  it('imports the library entry without the CDK, the AWS SDK, Powertools or middy', () => {
    const tsx = pathToFileURL(`${ROOT}node_modules/tsx/dist/loader.mjs`).href;
    const loaded = modulesLoadedBy(pathToFileURL(`${ROOT}lambdas/embedded/index.ts`).href, ROOT, ['--import', tsx]);

    expect(loaded.some((file) => file.endsWith('lambdas/embedded/create-engine.ts'))).toBe(true);
    expect(loaded.filter((file) => NOT_IN_LIBRARY.test(file) && !file.includes('/node_modules/tsx/'))).toEqual([]);
  });

  it('declares every package the library and the CLI import at run time as a dependency or an optional peer', () => {
    const imported = new Set(RUNTIME_DIRS.flatMap((dir) => sourceFiles(`${ROOT}${dir}`)).flatMap((file) => packagesImportedBy(readFileSync(file, 'utf8'))));

    expect(imported.size).toBeGreaterThan(3);
    expect([...imported].filter((name) => pkg.dependencies[name] === undefined && pkg.peerDependenciesMeta[name]?.optional !== true)).toEqual([]);
  });
});

/** What the built package runs: the CLI, the embedded home, core, the project loader, the tasks, the AWS home's handlers. */
const RUNTIME_DIRS = ['bin/edwe.ts', 'cli', 'lambdas'];

function sourceFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path).flatMap((name) => (name.endsWith('.ts') || !name.includes('.') ? sourceFiles(`${path}/${name}`) : []));
}

/** Packages imported for their values (`import type` is erased by the build). */
function packagesImportedBy(text: string): string[] {
  const names: string[] = [];
  for (const match of text.matchAll(/^import (?!type )[^;]*?from '([^'.][^']*)'|import\('([^'.][^']*)'\)/gm)) {
    const specifier = (match[1] ?? match[2]) as string;
    if (specifier.startsWith('node:')) continue;
    names.push(specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : (specifier.split('/')[0] as string));
  }
  return names;
}
