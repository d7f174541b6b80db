/**
 * A function laid out on disk as Lambda lays it out, for a plain `node` to import: the bundle in a task directory,
 * the engine's X-Ray layer reachable by Node's resolution from it, the AWS SDK above it as the runtime provides it.
 * Used by test/infra/xray-layer.test.ts and `npm run bench -- coldstart`.
 */
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { BuildOptions } from 'esbuild';
import { PROJECT_ROOT } from '../../lib/lambda-defaults.js';
import { SEMVER_STUB, writeXrayLayer, XRAY_SDK } from '../../lib/xray-layer.js';

/** Where the pieces are: `task` is `/var/task`, `layer` is `/opt` (absent when the X-Ray SDK is bundled). */
export interface LambdaLayout {
  readonly task: string;
  readonly layer?: string;
}

/**
 * Lays a function out under `root`: `task/` for the bundle and, with `withLayer`, `opt/nodejs/node_modules` (the layer,
 * written by lib/xray-layer.ts) linked as the task's `node_modules`; `node_modules/@aws-sdk` above the task, linked to the
 * installed SDK, stands for the runtime's.
 */
export function layOutLambda(root: string, withLayer: boolean): LambdaLayout {
  const task = join(root, 'task');
  mkdirSync(task, { recursive: true });
  mkdirSync(join(root, 'node_modules'), { recursive: true });
  symlinkSync(join(PROJECT_ROOT, 'node_modules', '@aws-sdk'), join(root, 'node_modules', '@aws-sdk'));
  if (!withLayer) return { task };
  const layer = join(root, 'opt');
  writeXrayLayer(layer);
  symlinkSync(join(layer, 'nodejs', 'node_modules'), join(task, 'node_modules'));
  return { task, layer };
}

/**
 * The stack's esbuild options as they were before the layer: the X-Ray SDK bundled into every function, with `semver`
 * aliased to the stub the layer now carries. The baseline the layer is measured against.
 */
export function withXraySdkBundled(options: BuildOptions): BuildOptions {
  return { ...options, external: (options.external ?? []).filter((name) => name !== XRAY_SDK), alias: { ...options.alias, semver: SEMVER_STUB } };
}
