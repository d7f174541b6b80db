/**
 * Module boundaries: the rules in .dependency-cruiser.cjs hold for the tree, and each rule fires on
 * a sample of the import it forbids; plus what an import graph cannot show (core reads no environment,
 * no wall clock and no randomness).
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise, type ICruiseOptions, type ICruiseResult } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The folders `npm run lint:deps` checks: everything that ships, tests excluded. */
const CHECKED = ['bin', 'cli', 'lib', 'lambdas'];

/** Runs dependency-cruiser with the project's rules over `dirs` of `baseDir`; one line per violation. */
async function violations(baseDir: string, dirs: string[], extra: ICruiseOptions = {}): Promise<string[]> {
  const options = await extractDepcruiseOptions(join(ROOT, '.dependency-cruiser.cjs'));
  const tsConfigFile = join(ROOT, 'tsconfig.json');
  const { output } = await cruise(dirs, { ...options, ...extra, baseDir, tsConfig: { fileName: tsConfigFile } }, undefined, { tsConfig: extractTSConfig(tsConfigFile) });
  const result = output as ICruiseResult;
  // A package is named by its name, not by whichever file of it resolution picked.
  const short = (path: string) => path.replace(/^node_modules\/((?:@[^/]+\/)?[^/]+)\/.*$/, '$1');
  return (result.summary.violations ?? []).map((v) => `${v.rule.name}: ${v.from} → ${short(v.to)}`).sort();
}

describe('module boundaries (.dependency-cruiser.cjs)', () => {
  it(`hold for ${CHECKED.join(', ')}`, async () => {
    expect(await violations(ROOT, CHECKED)).toEqual([]);
  }, 60_000);

  describe('each rule, on a sample tree', () => {
    /**
     * A throwaway project: one file per forbidden import, plus the imports each rule allows. It sees the
     * real packages through a node_modules link (kept as a link, so they are named `node_modules/…`).
     */
    const FORBIDDEN_IN_CORE = ['@aws-sdk/client-sfn', 'aws-cdk-lib', 'constructs', 'better-sqlite3', '@middy/core', '@aws-lambda-powertools/logger'];
    const leaf = 'export const leaf = 1;\n';
    const files: Record<string, string> = {
      'lambdas/core/leaf.ts': leaf,
      'lambdas/aws/leaf.ts': leaf,
      'lambdas/embedded/leaf.ts': leaf,
      'lambdas/handlers/leaf.ts': leaf,
      'lambdas/tasks/leaf.ts': leaf,
      'lambdas/layout/leaf.ts': leaf,
      'lambdas/project/leaf.ts': leaf,
      'cli/leaf.ts': leaf,
      // Allowed: nothing below may fire.
      'lambdas/core/allowed.ts':
        "import { z } from 'zod';\nimport { parse } from 'yaml';\nimport { readFileSync } from 'node:fs';\nimport { leaf } from './leaf.js';\nexport const all = [z, parse, readFileSync, leaf];\n",
      'lambdas/layout/allowed.ts': "export { leaf } from '../core/leaf.js';\nexport { leaf as own } from './leaf.js';\n",
      'lib/allowed.ts':
        "import { App } from 'aws-cdk-lib';\nimport { Construct } from 'constructs';\nexport * from '../lambdas/core/leaf.js';\nexport * from '../lambdas/layout/leaf.js';\nexport * from '../lambdas/project/leaf.js';\nexport const cdk = [App, Construct];\n",
      'lambdas/handlers/allowed.ts': "import middy from '@middy/core';\nexport * from '../aws/leaf.js';\nexport const m = middy;\n",
      'lambdas/embedded/allowed.ts': "import Database from 'better-sqlite3';\nexport * from '../core/leaf.js';\nexport const db = Database;\n",
      'bin/allowed.ts': "export * from '../cli/leaf.js';\n",
      'test/allowed.test.ts': "export * from '../cli/leaf.js';\n",
      // Forbidden: one file per rule (or per package), named for what it does.
      ...Object.fromEntries(FORBIDDEN_IN_CORE.map((pkg, i) => [`lambdas/core/package-${i}.ts`, `import type * as p from '${pkg}';\nexport type P = typeof p;\n`])),
      'lambdas/core/reaches-home.ts': "export * from '../aws/leaf.js';\n",
      'lambdas/core/loads-handler.ts': "export const load = () => import('../handlers/leaf.js');\n",
      'lambdas/aws/reaches-embedded.ts': "export * from '../embedded/leaf.js';\n",
      'lambdas/embedded/reaches-aws.ts': "export * from '../aws/leaf.js';\n",
      'lambdas/embedded/reaches-handler.ts': "export * from '../handlers/leaf.js';\n",
      'lambdas/embedded/uses-sdk.ts': "import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';\nexport type C = DynamoDBClient;\n",
      'lambdas/embedded/uses-middy.ts': "import middy from '@middy/core';\nexport const m = middy;\n",
      'lambdas/handlers/reaches-embedded.ts': "export * from '../embedded/leaf.js';\n",
      'lambdas/handlers/reaches-core.ts': "export * from '../core/leaf.js';\n",
      'lib/reaches-runtime.ts': [...['handlers', 'aws', 'embedded', 'tasks'].map((d) => `../lambdas/${d}/leaf.js`), '../cli/leaf.js']
        .map((to, i) => `export * as m${i} from '${to}';\n`)
        .join(''),
      'lambdas/layout/uses-zod.ts': "import { z } from 'zod';\nexport const s = z.string();\n",
      'lambdas/layout/reaches-aws.ts': "export * from '../aws/leaf.js';\n",
      'lambdas/aws/reaches-cli.ts': "export * from '../../cli/leaf.js';\n",
      'lambdas/embedded/reaches-cli.ts': "export * from '../../cli/leaf.js';\n",
      'lambdas/core/cycle-a.ts': "import { b } from './cycle-b.js';\nexport const a = () => b;\n",
      'lambdas/core/cycle-b.ts': "import { a } from './cycle-a.js';\nexport const b = () => a;\n",
      'lambdas/aws/typo.ts': "export * from './leaf-typo.js';\n",
      'lambdas/aws/undeclared.ts': "import type { Provider } from '@smithy/types';\nexport type P = Provider<string>;\n",
    };
    let dir = '';
    let found: string[] = [];

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'edwe-architecture-'));
      symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
      copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
      for (const [file, text] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, file)), { recursive: true });
        writeFileSync(join(dir, file), text);
      }
      found = await violations(dir, ['bin', 'cli', 'lib', 'lambdas', 'test'], { preserveSymlinks: true });
    }, 60_000);

    afterAll(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('lets core use node built-ins, zod, yaml and core; layout use core; lib use core, layout and project; bin and tests use the CLI', () => {
      expect(found.filter((line) => line.includes('/allowed.'))).toEqual([]);
    });

    it('keeps core to itself: no home, no handler, statically or through import()', () => {
      expect(found.filter((line) => line.startsWith('core-imports-only-core:'))).toEqual([
        'core-imports-only-core: lambdas/core/loads-handler.ts → lambdas/handlers/leaf.ts',
        'core-imports-only-core: lambdas/core/reaches-home.ts → lambdas/aws/leaf.ts',
      ]);
    });

    it('keeps the SDKs, CDK, SQLite, middy and Powertools out of core, even as type-only imports', () => {
      expect(found.filter((line) => line.startsWith('core-uses-only-node-zod-yaml:'))).toEqual(
        FORBIDDEN_IN_CORE.map((pkg, i) => `core-uses-only-node-zod-yaml: lambdas/core/package-${i}.ts → ${pkg}`).sort(),
      );
    });

    it('keeps the two homes apart', () => {
      expect(found.filter((line) => /^(aws-home-not-embedded-home|embedded-home-not-aws-home):/.test(line))).toEqual([
        'aws-home-not-embedded-home: lambdas/aws/reaches-embedded.ts → lambdas/embedded/leaf.ts',
        'embedded-home-not-aws-home: lambdas/embedded/reaches-aws.ts → lambdas/aws/leaf.ts',
        'embedded-home-not-aws-home: lambdas/embedded/reaches-handler.ts → lambdas/handlers/leaf.ts',
      ]);
    });

    it('keeps the AWS SDK and middy out of the embedded home', () => {
      expect(found.filter((line) => line.startsWith('embedded-without-aws-sdk-or-middy:'))).toEqual([
        'embedded-without-aws-sdk-or-middy: lambdas/embedded/uses-middy.ts → @middy/core',
        'embedded-without-aws-sdk-or-middy: lambdas/embedded/uses-sdk.ts → @aws-sdk/client-dynamodb',
      ]);
    });

    it('keeps the embedded home out of Lambda handlers', () => {
      expect(found.filter((line) => line.startsWith('handlers-not-embedded:'))).toEqual([
        'handlers-not-embedded: lambdas/handlers/reaches-embedded.ts → lambdas/embedded/leaf.ts',
      ]);
    });

    it('lets a Lambda entry import only the AWS home', () => {
      expect(found.filter((line) => line.startsWith('handlers-are-entries-only:'))).toEqual([
        'handlers-are-entries-only: lambdas/handlers/reaches-core.ts → lambdas/core/leaf.ts',
        'handlers-are-entries-only: lambdas/handlers/reaches-embedded.ts → lambdas/embedded/leaf.ts',
      ]);
    });

    it('keeps handlers, adapters, the embedded home, tasks and the CLI out of the CDK app', () => {
      expect(found.filter((line) => line.startsWith('lib-only-sdk-free-runtime-code:'))).toEqual(
        ['cli/leaf.ts', 'lambdas/aws/leaf.ts', 'lambdas/embedded/leaf.ts', 'lambdas/handlers/leaf.ts', 'lambdas/tasks/leaf.ts'].map(
          (to) => `lib-only-sdk-free-runtime-code: lib/reaches-runtime.ts → ${to}`,
        ),
      );
    });

    it('keeps the table layouts free of anything but themselves and core', () => {
      expect(found.filter((line) => line.startsWith('layout-only-itself-and-core:'))).toEqual([
        'layout-only-itself-and-core: lambdas/layout/reaches-aws.ts → lambdas/aws/leaf.ts',
        'layout-only-itself-and-core: lambdas/layout/uses-zod.ts → zod',
      ]);
    });

    it('lets only bin/ (and tests) import the CLI', () => {
      expect(found.filter((line) => line.startsWith('cli-only-from-bin:'))).toEqual([
        'cli-only-from-bin: lambdas/aws/reaches-cli.ts → cli/leaf.ts',
        'cli-only-from-bin: lambdas/embedded/reaches-cli.ts → cli/leaf.ts',
        'cli-only-from-bin: lib/reaches-runtime.ts → cli/leaf.ts',
      ]);
    });

    it('rejects cycles, imports that do not resolve and packages missing from package.json', () => {
      expect(found.filter((line) => /^(no-circular|not-to-unresolvable|no-non-package-json):/.test(line))).toEqual([
        'no-circular: lambdas/core/cycle-a.ts → lambdas/core/cycle-b.ts',
        'no-non-package-json: lambdas/aws/undeclared.ts → @smithy/types',
        'not-to-unresolvable: lambdas/aws/typo.ts → ./leaf-typo.js',
      ]);
    });

    it('fires no rule beyond those above', () => {
      const named =
        /^(core-imports-only-core|core-uses-only-node-zod-yaml|aws-home-not-embedded-home|embedded-home-not-aws-home|embedded-without-aws-sdk-or-middy|handlers-not-embedded|handlers-are-entries-only|lib-only-sdk-free-runtime-code|layout-only-itself-and-core|cli-only-from-bin|no-circular|not-to-unresolvable|no-non-package-json):/;
      expect(found.filter((line) => !named.test(line))).toEqual([]);
      expect(found).toHaveLength(2 + FORBIDDEN_IN_CORE.length + 3 + 2 + 1 + 2 + 5 + 2 + 3 + 3);
    });
  });
});

describe('lambdas/core beyond imports', () => {
  function coreFiles(dir = join(ROOT, 'lambdas/core')): string[] {
    return readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? coreFiles(path) : path.endsWith('.ts') ? [path] : [];
    });
  }
  const filesContaining = (pattern: RegExp) =>
    coreFiles()
      .filter((file) => pattern.test(readFileSync(file, 'utf8')))
      .map((file) => relative(ROOT, file));

  it('reads no environment: configuration comes in as arguments', () => {
    expect(filesContaining(/process\.env/)).toEqual([]);
  });

  it('reads no wall clock and draws no randomness of its own: both come from a Clock or the caller', () => {
    expect(filesContaining(/Date\.now\(|new Date\(\)|Math\.random\(|performance\.now\(|randomUUID\(|randomBytes\(|getRandomValues\(/)).toEqual([]);
  });
});
