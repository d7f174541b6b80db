/**
 * The engine's own Lambda layer holding the X-Ray SDK that Powertools Tracer loads: every bundle leaves
 * `aws-xray-sdk-core` external and its functions import it from the layer (docs/capacity.md, "Bundles").
 * Built at synth, offline, from the installed packages, so the versions are the lockfile's in every region and partition.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AssetHashType, DockerImage, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';

/** What `semver` is in the layer (lib/bundling-semver-stub.cjs). */
export const SEMVER_STUB = fileURLToPath(new URL('./bundling-semver-stub.cjs', import.meta.url));

/** The package the layer carries; the bundling leaves it external. */
export const XRAY_SDK = 'aws-xray-sdk-core';

/** Part of the layer asset's hash: change it when `writeXrayLayer` changes what it writes for the same packages. */
const LAYOUT = 'nodejs/node_modules, @types left out, semver stub: 1';

/** The package that imports the SDK: the SDK is resolved from where it resolves it. */
const TRACER = '@aws-lambda-powertools/tracer';

/**
 * Left out of the layer. `@types/*` hold declarations only (no code runs). `semver` is a stub
 * (lib/bundling-semver-stub.cjs): the SDK requires it at load for its AWS SDK v2 patcher
 * (`captureAWS`), which the engine never calls, so the layer carries the stub as `semver`, keeping the
 * bundles' behaviour (a call fails loudly).
 */
const skipped = (name: string): boolean => name.startsWith('@types/') || name === 'semver';

interface PackageJson {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
}

const readPackage = (dir: string): PackageJson => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;

/** The directory of package `name` as Node resolves it from `fromDir` (the nearest `node_modules/<name>` above it). */
function resolvePackageDir(name: string, fromDir: string): string {
  for (let at = fromDir; ; at = dirname(at)) {
    const candidate = join(at, 'node_modules', name);
    // Its real path: pnpm links packages in, and a package's own dependencies are found beside its real directory.
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
    if (dirname(at) === at) throw new Error(`X-Ray layer: package ${name} is not installed (looked up from ${fromDir})`);
  }
}

/** The installed root of `name`, found from this file (in the repository or in an installed edwe), whatever its `exports` allow. */
function packageRootOf(name: string): string {
  for (let at = dirname(createRequire(import.meta.url).resolve(name)); ; at = dirname(at)) {
    if (existsSync(join(at, 'package.json')) && readPackage(at).name === name) return at;
    if (dirname(at) === at) throw new Error(`X-Ray layer: cannot find the root of package ${name}`);
  }
}

/** One package of the layer: where it is installed, and where it goes under the layer's `node_modules`. */
export interface LayerPackage {
  readonly name: string;
  readonly version: string;
  readonly source: string;
  /** Relative to `nodejs/node_modules`: `cls-hooked`, or `a/node_modules/b` when a second version of `b` is needed under `a`. */
  readonly target: string;
}

/**
 * The SDK and its runtime dependencies, walked transitively from the installed `dependencies`, each resolved from the
 * package that requires it. One copy per name at the top of `node_modules`; a different version needed by one package
 * goes under that package's own `node_modules`, as npm lays it out.
 */
export function xrayLayerPackages(): LayerPackage[] {
  const placed = new Map<string, LayerPackage>();
  const visit = (name: string, fromDir: string, parentTarget: string | undefined): void => {
    const source = resolvePackageDir(name, fromDir);
    const { version, dependencies = {} } = readPackage(source);
    const top = placed.get(name);
    if (top?.version === version) return;
    const target = top === undefined || parentTarget === undefined ? name : `${parentTarget}/node_modules/${name}`;
    if (placed.has(target)) return;
    const entry = { name, version, source, target };
    placed.set(target, entry);
    for (const dependency of Object.keys(dependencies)) if (!skipped(dependency)) visit(dependency, source, target);
  };
  visit(XRAY_SDK, packageRootOf(TRACER), undefined);
  return [...placed.values()];
}

/** Lays the layer out in `dir`: `nodejs/node_modules/<package>` for each package (its own nested `node_modules` left out), and the semver stub. */
export function writeXrayLayer(dir: string): void {
  const modules = join(dir, 'nodejs', 'node_modules');
  for (const { source, target } of xrayLayerPackages()) {
    cpSync(source, join(modules, target), { recursive: true, dereference: true, filter: (path) => !path.slice(source.length).includes('/node_modules') });
  }
  const semver = join(modules, 'semver');
  mkdirSync(semver, { recursive: true });
  writeFileSync(join(semver, 'package.json'), `${JSON.stringify({ name: 'semver', version: '0.0.0-edwe-stub', main: 'index.js' })}\n`);
  cpSync(SEMVER_STUB, join(semver, 'index.js'));
}

/** The stack's X-Ray layer, made on first use: one per stack, shared by every function of the engine. */
export function xrayLayer(scope: Construct): lambda.ILayerVersion {
  const stack = Stack.of(scope);
  const id = 'XRaySdkLayer';
  const existing = stack.node.tryFindChild(id) as lambda.ILayerVersion | undefined;
  if (existing !== undefined) return existing;
  const packages = xrayLayerPackages();
  const sdk = packages.find(({ name }) => name === XRAY_SDK) as LayerPackage;
  // Laid out by CDK's local bundling: skipped with the stack's other bundling (`aws:cdk:bundling-stacks`), and the
  // asset's hash is the packages' versions and the stub, so an unchanged lockfile keeps the same layer version.
  const assetHash = createHash('sha256')
    .update(LAYOUT)
    .update(packages.map(({ target, version }) => `${target}@${version}`).join('\n'))
    .update(readFileSync(SEMVER_STUB))
    .digest('hex');
  return new lambda.LayerVersion(stack, id, {
    code: lambda.Code.fromAsset(dirname(SEMVER_STUB), {
      assetHashType: AssetHashType.CUSTOM,
      assetHash,
      bundling: {
        // Never pulled: the local bundling below always succeeds (it only copies installed files).
        image: DockerImage.fromRegistry('edwe-xray-layer-is-built-locally'),
        local: {
          tryBundle(outputDir: string): boolean {
            writeXrayLayer(outputDir);
            return true;
          },
        },
      },
    }),
    compatibleRuntimes: [lambda.Runtime.NODEJS_22_X],
    compatibleArchitectures: [lambda.Architecture.ARM_64, lambda.Architecture.X86_64],
    description: `edwe: ${XRAY_SDK} ${sdk.version} and its dependencies, loaded by Powertools Tracer (left out of every bundle)`,
  });
}
