/**
 * A throwaway project for resume, redrive and stop: workflows whose tasks count their runs in files, one task that
 * fails until a flag file exists, one that holds until a gate file exists, and one workflow that waits an hour.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadProject, type Project, type ProjectPaths } from '../../lambdas/project/load-project.js';

export interface CheckpointProject {
  root: string;
  paths: ProjectPaths;
  load(): Project;
  /** How often a counted step ran. */
  runs(step: string): number;
  /** The lines a counted step wrote, one per run: its idempotency key (and the `note` it was given). */
  lines(step: string): string[];
  /** Lets `Flaky` succeed from now on. */
  setFlag(): void;
  /** Lets `Held` finish from now on. */
  openGate(): void;
  /** `edwe dev` arguments naming this project's folders. */
  devArgs(): string[];
  cleanup(): void;
}

const invoke = (task: string, payload: Record<string, unknown>, next: string) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke',
  Parameters: { FunctionName: `\${${task}}`, Payload: payload },
  ResultPath: `$.results.${String(payload.step)}`,
  Next: next,
});

/**
 * `job.requested` → `flaky_job` (Prepare, Flaky, Finish); `hold.requested` → `held_job` (Prepare, Held, Finish);
 * `nap.requested` → `napping` (an hour's Wait); `note.requested` → `noted_job` (as flaky_job, Flaky also given `data.note`).
 */
export function checkpointProject(): CheckpointProject {
  const root = mkdtempSync(join(tmpdir(), 'edwe-checkpoints-'));
  const paths: ProjectPaths = { rulesDir: join(root, 'rules'), workflowsDir: join(root, 'workflows'), tasksDir: join(root, 'workflows', 'tasks') };
  const counts = join(root, 'counts');
  for (const dir of [paths.rulesDir, paths.tasksDir, counts]) mkdirSync(dir, { recursive: true });
  const flag = join(root, 'flag');
  const gate = join(root, 'gate');
  const step = (name: string, next: string, task = 'CountStep', extra: Record<string, unknown> = {}) => invoke(task, { step: name, dir: counts, flag, gate, ...extra }, next);
  const finish = { Type: 'Pass', Parameters: { 'results.$': '$.results', 'ruleId.$': '$.rule.id' }, End: true };
  const workflows: Record<string, unknown> = {
    flaky_job: { StartAt: 'Prepare', States: { Prepare: step('Prepare', 'Flaky'), Flaky: step('Flaky', 'Finish', 'FailUntilFlag'), Finish: finish } },
    held_job: { StartAt: 'Prepare', States: { Prepare: step('Prepare', 'Held'), Held: step('Held', 'Finish', 'HoldUntilGate'), Finish: finish } },
    // Its Flaky step writes the event's `data.note` beside its key: what a redriven state was handed.
    noted_job: {
      StartAt: 'Prepare',
      States: { Prepare: step('Prepare', 'Flaky'), Flaky: step('Flaky', 'Finish', 'FailUntilFlag', { 'note.$': '$.event.data.note' }), Finish: finish },
    },
    napping: { StartAt: 'Nap', States: { Nap: { Type: 'Wait', Seconds: 3600, Next: 'Finish' }, Finish: finish } },
  };
  for (const [id, asl] of Object.entries(workflows)) {
    writeFileSync(join(paths.workflowsDir, `${id}.asl.json`), JSON.stringify(asl, null, 2));
    writeFileSync(join(paths.workflowsDir, `${id}.settings.json`), JSON.stringify({ type: 'STANDARD', timeoutSeconds: 7200 }));
  }
  const rule = (id: string, eventType: string, workflow: string) => `  - id: ${id}\n    eventType: ${eventType}\n    workflow: ${workflow}\n`;
  writeFileSync(
    join(paths.rulesDir, 'jobs.yaml'),
    `rules:\n${rule('flaky', 'job.requested', 'flaky_job')}${rule('held', 'hold.requested', 'held_job')}${rule('nap', 'nap.requested', 'napping')}${rule('noted', 'note.requested', 'noted_job')}`,
  );
  // Each task appends a line per run to counts/<step>: what the tests count.
  const count = `const { appendFileSync } = await import('node:fs');\n  appendFileSync(\`\${input.dir}/\${input.step}\`, \`\${input.idempotencyKey}\${input.note === undefined ? '' : \` \${input.note}\`}\\n\`);`;
  writeFileSync(join(paths.tasksDir, 'count-step.ts'), `export async function handler(input: any) {\n  ${count}\n  return { ran: input.step };\n}\n`);
  writeFileSync(
    join(paths.tasksDir, 'fail-until-flag.ts'),
    `export async function handler(input: any) {\n  ${count}\n  const { existsSync } = await import('node:fs');\n  if (!existsSync(input.flag)) { const e = new Error('the flag is not set'); e.name = 'FlagMissing'; throw e; }\n  return { ran: input.step };\n}\n`,
  );
  writeFileSync(
    join(paths.tasksDir, 'hold-until-gate.ts'),
    `export async function handler(input: any) {\n  ${count}\n  const { existsSync } = await import('node:fs');\n  while (!existsSync(input.gate)) await new Promise((r) => setTimeout(r, 20));\n  return { ran: input.step };\n}\n`,
  );
  const lines = (name: string) => {
    const file = join(counts, name);
    return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
  };
  return {
    root,
    paths,
    load: () => loadProject(paths),
    runs: (name) => lines(name).length,
    lines,
    setFlag: () => writeFileSync(flag, ''),
    openGate: () => writeFileSync(gate, ''),
    devArgs: () => ['--rules', paths.rulesDir, '--workflows', paths.workflowsDir],
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}
