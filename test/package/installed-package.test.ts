/**
 * edwe as a user gets it: `npm pack`, the tarball installed into a fresh project outside the
 * repository, then the library from a plain Node script, the CLI through npx, and TypeScript
 * against the shipped declarations. Installs with `--prefer-offline` from the npm cache; the native
 * SQLite binding is copied from this repository's build when the versions agree (else rebuilt).
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modulesLoadedBy, NOT_IN_LIBRARY } from '../support/module-graph.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const versionOf = (dir: string) => (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
const run = (command: string, args: string[], cwd: string) => execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

let work: string;
let project: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'edwe-package-'));
  project = join(work, 'app');
  mkdirSync(project);
  run('npm', ['pack', '--pack-destination', work, '--silent'], ROOT);
  const tarball = join(work, readdirSync(work).find((f) => f.endsWith('.tgz')) as string);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'edwe-user', private: true, type: 'module' }));
  const tools = ['typescript', '@types/node'].map((name) => `${name}@${versionOf(join(ROOT, 'node_modules', name))}`);
  run('npm', ['install', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', tarball, ...tools], project);
  const sqlite = join(project, 'node_modules/better-sqlite3');
  const built = join(ROOT, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node');
  if (existsSync(built) && versionOf(sqlite) === versionOf(join(ROOT, 'node_modules/better-sqlite3'))) {
    mkdirSync(join(sqlite, 'build/Release'), { recursive: true });
    copyFileSync(built, join(sqlite, 'build/Release/better_sqlite3.node'));
  } else {
    run('npm', ['rebuild', 'better-sqlite3'], project);
  }
  run('npx', ['edwe', 'init'], project);
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the installed package', () => {
  it("runs the seed's example from a plain Node script: createEngine, a Date timestamp, a SUCCEEDED execution", () => {
    writeFileSync(
      join(project, 'library.mjs'),
      `import { createEngine } from 'edwe';
const engine = await createEngine();
const event = { id: 'pkg-1', type: 'user_registration', source: 'web-app', timestamp: new Date(), data: { userId: 'u-1', email: 'ada@example.com', user_type: 'premium' } };
await engine.ingestEvent(event);
await engine.idle();
const [rule] = await engine.routeEvent(event);
const result = await engine.executeTriggeredWorkflow(rule, event);
await engine.close();
console.log(JSON.stringify({ rule: rule.id, status: result.status, tier: result.output.tier }));`,
    );

    expect(JSON.parse(run(process.execPath, ['library.mjs'], project))).toEqual({ rule: 'premium-onboarding', status: 'SUCCEEDED', tier: 'premium' });
  });

  it('loads no CDK, AWS SDK, Powertools, middy or tsx when the library is imported', () => {
    const loaded = modulesLoadedBy('edwe', project);

    expect(loaded.some((file) => file.includes('/node_modules/edwe/dist/lambdas/embedded/create-engine.js'))).toBe(true);
    expect(loaded.filter((file) => NOT_IN_LIBRARY.test(file))).toEqual([]);
  });

  it('serves /health from `npx edwe dev` in the scaffolded folder and routes the example event to a SUCCEEDED execution', async () => {
    const child = spawn('npx', ['edwe', 'dev', '--memory', '--port', '0'], { cwd: project, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    try {
      const url = await announcedUrl(child);
      expect((await fetch(`${url}/health`)).status).toBe(200);
      const example = readFileSync(join(project, 'events/premium-registration.json'), 'utf8');
      const posted = await fetch(`${url}/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: example });
      const { id } = (await posted.json()) as { id: string };

      expect(posted.status).toBe(202);
      expect(await executionsOf(url, id)).toMatchObject([{ workflowId: 'onboarding_workflow', status: 'SUCCEEDED' }]);
    } finally {
      // npx runs edwe in a child of its own: the whole group stops.
      process.kill(-(child.pid as number), 'SIGTERM');
    }
  });

  it('refuses a TypeScript task function under plain node without tsx, saying how to fix it', () => {
    const other = join(project, 'ts-project');
    mkdirSync(join(other, 'workflows/tasks'), { recursive: true });
    writeFileSync(join(other, 'workflows/typed.asl.json'), '{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"${Typed}","End":true}}}');
    writeFileSync(join(other, 'workflows/tasks/typed.ts'), 'export async function handler(input: unknown): Promise<unknown> { return input; }\n');
    writeFileSync(join(other, 'start.mjs'), "import { createEngine } from 'edwe';\nawait createEngine();\n");

    const started = spawnSync(process.execPath, ['start.mjs'], { cwd: other, encoding: 'utf8' });

    expect(started.status).not.toBe(0);
    expect(started.stderr).toMatch(/typed\.ts is TypeScript: install tsx beside edwe \(npm install --save-dev tsx\) or write the task in JavaScript/);
  });

  it('synthesizes the stack from a CDK app of its own through edwe/cdk, bundling the installed handlers', () => {
    const tools = ['aws-cdk-lib', 'constructs', 'esbuild'].map((name) => `${name}@${versionOf(join(ROOT, 'node_modules', name))}`);
    run('npm', ['install', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', ...tools], project);
    // The README's third way, as written there.
    writeFileSync(
      join(project, 'app.mjs'),
      `import { App } from 'aws-cdk-lib';
import { EdweStack, loadProject, defaultPaths } from 'edwe/cdk';
new EdweStack(new App(), 'EdweStack', { project: loadProject(defaultPaths(process.cwd())) });
`,
    );
    const out = join(work, 'cdk.out');

    // CDK_OUTDIR is how the cdk CLI asks an app to synthesize (the App then writes its assembly on exit).
    execFileSync(process.execPath, ['app.mjs'], { cwd: project, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CDK_OUTDIR: out } });

    const template = JSON.parse(readFileSync(join(out, 'EdweStack.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
    };
    const resources = Object.values(template.Resources);
    const machines = resources.filter((r) => r.Type === 'AWS::StepFunctions::StateMachine');
    const functions = resources.filter((r) => r.Type === 'AWS::Lambda::Function' && (r.Properties?.Runtime as string | undefined)?.startsWith('nodejs'));
    expect(machines.map((m) => m.Properties?.StateMachineName)).toEqual(expect.arrayContaining([expect.stringMatching(/_onboarding_workflow$/)]));
    expect(functions.length).toBeGreaterThan(5);
    // Every function's code is an esbuild bundle of the installed package's handler, in the assembly.
    const bundles = readdirSync(out).filter((name) => name.startsWith('asset.') && existsSync(join(out, name, 'index.mjs')));
    expect(bundles.length).toBeGreaterThan(5);
    // The X-Ray layer is laid out from the app's installed packages (found from the installed Powertools Tracer).
    const layers = readdirSync(out).filter((name) => name.startsWith('asset.') && existsSync(join(out, name, 'nodejs/node_modules/aws-xray-sdk-core/package.json')));
    expect(layers).toHaveLength(1);
    expect(existsSync(join(out, layers[0] as string, 'nodejs/node_modules/semver/index.js'))).toBe(true);
    expect(functions.every((fn) => ((fn.Properties?.Layers ?? []) as unknown[]).length === 1)).toBe(true);
  });

  it('type-checks a TypeScript file against the shipped declarations (the seed types, core, tasks)', () => {
    writeFileSync(
      join(project, 'check.ts'),
      `import { createEngine, type Engine, type Event, type TriggerRule } from 'edwe';
import { compilePattern, compileRules, EventInputSchema, matchesPattern, parseRules, ValidationError } from 'edwe/core';
import { InvalidTaskInputError, taskInput } from 'edwe/tasks';

const event: Event = { type: 'user_registration', source: 'web-app', timestamp: new Date(), data: { user_type: 'premium' } };
const rule: TriggerRule = { eventType: 'user_registration', conditions: [{ field: 'user_type', value: 'premium' }], workflowId: 'onboarding_workflow', priority: 100 };
const engine: Engine = await createEngine({ triggerRules: [rule] });
const fired: TriggerRule[] = await engine.routeEvent(event);
const status: string = (await engine.executeTriggeredWorkflow(fired[0] as TriggerRule, event)).status;
const matched: boolean = matchesPattern({ source: ['web-app'] }, event) && compilePattern({ source: ['web-app'] }) !== undefined;
void [status, matched, compileRules, parseRules, EventInputSchema, ValidationError, InvalidTaskInputError, taskInput];
// @ts-expect-error a timestamp is a Date or an ISO string
const wrong: Event = { type: 'x', source: 'y', timestamp: 42 };
void wrong;
await engine.close();
`,
    );
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, types: ['node'] },
        files: ['check.ts'],
      }),
    );

    expect(() => run('npx', ['tsc', '-p', '.'], project)).not.toThrow();
  });
});

async function announcedUrl(child: ChildProcess): Promise<string> {
  return new Promise((found, fail) => {
    let out = '';
    let err = '';
    child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /"url":"([^"]+)"/.exec(out);
      if (match) found(match[1] as string);
    });
    child.once('exit', (code) => fail(new Error(`edwe dev exited with ${code}\n${err}`)));
  });
}

async function executionsOf(url: string, eventId: string): Promise<unknown[]> {
  for (let attempt = 0; attempt < 300; attempt++) {
    const { executions } = (await (await fetch(`${url}/executions?eventId=${eventId}`)).json()) as { executions: Array<{ status: string }> };
    if (executions.length > 0 && executions.every((e) => e.status !== 'RUNNING')) return executions;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no finished execution for ${eventId} in 30 s`);
}
