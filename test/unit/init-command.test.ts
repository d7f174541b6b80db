import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { initCommand, TEMPLATE_DIR, templateFiles } from '../../cli/init-command.js';
import { createEngine, type Engine, type Event } from '../../lambdas/embedded/index.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const fakeIo = (cwd: string) => {
  const out = { stdout: '', stderr: '' };
  return { out, io: { stdout: (s: string) => void (out.stdout += s), stderr: (s: string) => void (out.stderr += s), readStdin: async () => '', cwd } };
};

describe('edwe init', () => {
  let dir: string;
  let engine: Engine | undefined;
  afterEach(async () => {
    await engine?.close();
    engine = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it("scaffolds the seed's example: the repository's rule and workflow, with JavaScript task functions", async () => {
    dir = mkdtempSync(join(tmpdir(), 'edwe-init-'));
    const { out, io } = fakeIo(dir);

    expect(await initCommand([], io)).toBe(0);

    expect(templateFiles(dir)).toEqual(templateFiles());
    for (const file of ['rules/onboarding.yaml', 'workflows/onboarding_workflow.asl.json', 'workflows/onboarding_workflow.settings.json']) {
      expect(readFileSync(join(dir, file), 'utf8'), file).toBe(readFileSync(join(ROOT, file), 'utf8'));
    }
    expect(templateFiles(dir).filter((f) => f.startsWith('workflows/tasks/'))).toEqual([
      'workflows/tasks/assign-account-manager.mjs',
      'workflows/tasks/compose-welcome.mjs',
      'workflows/tasks/validate-user.mjs',
    ]);
    expect(out.stdout).toContain('npx edwe dev');
  });

  it('gives the same outcomes as the repository example, an invalid email caught as InvalidTaskInputError included', async () => {
    dir = mkdtempSync(join(tmpdir(), 'edwe-init-'));
    await initCommand([], fakeIo(dir).io);
    const example = JSON.parse(readFileSync(join(dir, 'events/premium-registration.json'), 'utf8')) as Event;
    engine = await createEngine({ paths: { rulesDir: join(dir, 'rules'), workflowsDir: join(dir, 'workflows'), tasksDir: join(dir, 'workflows/tasks') } });

    const [rule] = await engine.routeEvent(example);
    const good = await engine.executeTriggeredWorkflow(rule!, { ...example, id: 'init-1' });
    const bad = await engine.executeTriggeredWorkflow(rule!, { ...example, id: 'init-2', data: { userId: 'u-2', email: 'nope', user_type: 'premium' } });

    expect(good).toMatchObject({
      status: 'SUCCEEDED',
      output: { userId: 'u-1', tier: 'premium', accountManager: { name: expect.any(String) }, welcome: { template: 'welcome-premium' } },
    });
    expect(bad).toMatchObject({ status: 'FAILED', error: { error: 'InvalidRegistration', cause: 'data.email: must be an email address' } });
  });

  it('refuses to overwrite, naming each file that exists, unless --force', async () => {
    dir = mkdtempSync(join(tmpdir(), 'edwe-init-'));
    const { out, io } = fakeIo(dir);
    await initCommand([], io);
    writeFileSync(join(dir, 'rules/onboarding.yaml'), 'rules: []\n');

    expect(await initCommand([], io)).toBe(1);
    expect(out.stderr).toContain('rules/onboarding.yaml');
    expect(readFileSync(join(dir, 'rules/onboarding.yaml'), 'utf8')).toBe('rules: []\n');
    expect(await initCommand(['--force'], io)).toBe(0);
    expect(readFileSync(join(dir, 'rules/onboarding.yaml'), 'utf8')).toBe(readFileSync(join(TEMPLATE_DIR, 'rules/onboarding.yaml'), 'utf8'));
  });
});
