import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadProject, ProjectError, type ProjectPaths } from '../../../lambdas/project/load-project.js';
import { SEED_CONFIG, seedEvent, tempProject, yaml } from './helpers.js';

const ruleFile = (id: string, workflow = 'onboarding_workflow') => yaml('rules:', `  - id: ${id}`, '    eventType: user_registration', `    workflow: ${workflow}`);

let project: ReturnType<typeof tempProject> | undefined;
afterEach(() => project?.cleanup());

const load = (files: Parameters<typeof tempProject>[0]): ReturnType<typeof loadProject> => {
  project = tempProject(files);
  const paths: ProjectPaths = { rulesDir: project.rulesDir, workflowsDir: project.workflowsDir, tasksDir: project.tasksDir };
  return loadProject(paths);
};
const problems = (files: Parameters<typeof tempProject>[0]) => {
  try {
    load(files);
  } catch (error) {
    if (error instanceof ProjectError) return error.issues;
    throw error;
  }
  throw new Error('expected the project to be rejected');
};

describe('loadProject', () => {
  it('loads every rules file and the seed configuration from rules/', () => {
    const loaded = load({ rules: { 'edwe.config.yaml': SEED_CONFIG, 'vip.yaml': ruleFile('vip') } });

    expect(loaded.rules.map((r) => r.id).sort()).toEqual(['user-registration-onboarding-workflow', 'vip']);
    expect(loaded.config?.eventSources.map((s) => s.type)).toEqual(['kafka', 'webhook']);
    expect(loaded.ruleSet.route(seedEvent()).map((r) => r.id)).toEqual(['user-registration-onboarding-workflow', 'vip']);
  });

  it('has no config when rules/ holds only rules files', () => {
    expect(load({ rules: { 'a.yaml': ruleFile('a') } }).config).toBeUndefined();
  });

  it('reports a rule id used in two files at the second id', () => {
    const issues = problems({ rules: { 'a.yaml': ruleFile('same'), 'b.yaml': ruleFile('same') } });

    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ file: join(project?.rulesDir ?? '', 'b.yaml'), line: 2, column: 9 });
    expect(issues[0]?.message).toMatch(/^duplicate rule id "same"; first defined at .*a\.yaml:2$/);
  });

  it('says when a clashing id was generated for a seed rule', () => {
    const issues = problems({ rules: { 'a.yaml': ruleFile('user-registration-onboarding-workflow'), 'b.yaml': SEED_CONFIG } });

    expect(issues[0]?.message).toMatch(/generated from event type and workflow: give this rule an "id:"/);
  });

  it('reports a missing workflow at the workflow key, with the nearest existing one', () => {
    const issues = problems({ rules: { 'a.yaml': ruleFile('a', 'onboardng_workflow') } });

    expect(issues).toEqual([expect.objectContaining({ line: 4, column: 15, path: 'workflow' })]);
    expect(issues[0]?.message).toMatch(/rule "a": workflow "onboardng_workflow" does not exist: .*\(did you mean "onboarding_workflow"\?\)/);
  });

  it('reports the problems of every file together, ordered by file and line', () => {
    const issues = problems({
      rules: {
        'b.yaml': yaml('rules:', '  - id: b', '    eventType: t', '    workflow: nope', '    priorty: 1'),
        'a.yaml': yaml('rules:', '  - id: a', '    eventType: t', '    workflow: onboarding_workflow', '    stop: perhaps'),
      },
    });

    expect(issues.map((i) => `${i.file.split('/').pop()}:${i.line}`)).toEqual(['a.yaml:5', 'b.yaml:5']);
  });

  it('allows one seed configuration per project', () => {
    const issues = problems({ rules: { 'a.yaml': SEED_CONFIG.replace('onboarding_workflow', 'onboarding_workflow"\n      id: "x'), 'b.yaml': SEED_CONFIG } });

    expect(issues.map((i) => i.message)).toContainEqual(expect.stringMatching(/a second "event_driven_workflow_engine:" configuration/));
  });

  it('reads a missing rules directory as no rules', () => {
    project = tempProject();
    const loaded = loadProject({ rulesDir: join(project.root, 'none'), workflowsDir: project.workflowsDir, tasksDir: project.tasksDir });

    expect(loaded.rules).toEqual([]);
  });
});
