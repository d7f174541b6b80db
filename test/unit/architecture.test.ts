import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/** The import direction of DESIGN §2: handlers, local → adapters → core; never core → anything else. */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => (m[1] ?? m[2]) as string);
}

function violations(layer: string, allowed: (specifier: string, resolved: string | undefined) => boolean): string[] {
  return sourceFiles(resolve(ROOT, layer)).flatMap((file) =>
    importsOf(file)
      .filter((spec) => !allowed(spec, spec.startsWith('.') ? relative(ROOT, resolve(file, '..', spec)) : undefined))
      .map((spec) => `${relative(ROOT, file)} imports ${spec}`),
  );
}

describe('module boundaries', () => {
  it('keeps lambdas/core pure: only core, node built-ins, zod and yaml', () => {
    const found = violations('lambdas/core', (spec, local) =>
      local !== undefined ? local.startsWith('lambdas/core/') : spec.startsWith('node:') || spec === 'zod' || spec === 'yaml',
    );

    expect(found).toEqual([]);
  });

  it('keeps process.env out of lambdas/core', () => {
    const found = sourceFiles(resolve(ROOT, 'lambdas/core')).filter((file) => readFileSync(file, 'utf8').includes('process.env'));

    expect(found).toEqual([]);
  });

  it('keeps lambdas/embedded free of the AWS SDK, middy and Lambda handlers', () => {
    const found = violations('lambdas/embedded', (spec, local) =>
      local !== undefined ? !local.startsWith('lambdas/handlers/') && !local.startsWith('lambdas/aws/') : !spec.startsWith('@aws-sdk/') && !spec.startsWith('@middy/'),
    );

    expect(found).toEqual([]);
  });

  it('keeps lib/ (CDK constructs) from importing Lambda runtime code other than the project loader, core and table layouts', () => {
    // `lambdas/layout/` holds names only (no SDK), so the construct and the adapter share one layout.
    const found = violations('lib', (_spec, local) =>
      local === undefined || local.startsWith('lib/') || local.startsWith('lambdas/project/') || local.startsWith('lambdas/core/') || local.startsWith('lambdas/layout/'),
    );

    expect(found).toEqual([]);
  });
});
