/**
 * Loads a project's `rules/` and `workflows/` from disk and checks them together:
 * every rule's workflow exists, every `${Task}` placeholder has a task function.
 * Used by the embedded engine, the CLI and the CDK app (so `cdk synth` fails on a bad rule).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import {
  compileRules,
  parseRules,
  parseWorkflow,
  RuleFileError,
  taskFileName,
  ValidationError,
  type Rule,
  type RuleFileIssue,
  type RuleSet,
  type WorkflowDefinition,
  type WorkflowSettings,
} from '../core/index.js';

export interface ProjectPaths {
  rulesDir: string;
  workflowsDir: string;
  tasksDir: string;
}

export interface Project {
  paths: ProjectPaths;
  rules: Rule[];
  ruleSet: RuleSet;
  workflows: Map<string, WorkflowDefinition>;
}

/** The repository's own layout, relative to a root directory. */
export function defaultPaths(root = process.cwd()): ProjectPaths {
  return {
    rulesDir: resolve(root, 'rules'),
    workflowsDir: resolve(root, 'workflows'),
    tasksDir: resolve(root, 'lambdas/tasks'),
  };
}

/** Raised with every problem found in a project, each as `file:line:column: message`. */
export class ProjectError extends ValidationError {
  override readonly code = 'invalid_project';
  readonly issues: readonly RuleFileIssue[];

  constructor(issues: readonly RuleFileIssue[]) {
    super(issues.map((i) => `${i.file}:${i.line}:${i.column}: ${i.message}`).join('\n'), issues);
    this.issues = issues;
  }
}

/** @throws ProjectError listing every problem in the rules and workflows. */
export function loadProject(paths: ProjectPaths = defaultPaths()): Project {
  const issues: RuleFileIssue[] = [];
  const workflows = loadWorkflows(paths, issues);
  const rules = loadRules(paths.rulesDir, issues);
  const seen = new Map<string, Rule>();
  for (const rule of rules) {
    const where = rule.location ?? { file: paths.rulesDir, line: 1, column: 1 };
    const first = seen.get(rule.id);
    if (first) {
      issues.push({ ...where, path: 'id', message: `duplicate rule id "${rule.id}" (first defined at ${first.location?.file}:${first.location?.line})` });
    } else seen.set(rule.id, rule);
    if (!workflows.has(rule.workflow)) {
      issues.push({ ...where, path: 'workflow', message: `rule "${rule.id}" names workflow "${rule.workflow}", which is not in ${paths.workflowsDir}` });
    }
  }
  if (issues.length > 0) throw new ProjectError(issues);
  return { paths, rules, ruleSet: compileRules(rules), workflows };
}

function loadRules(dir: string, issues: RuleFileIssue[]): Rule[] {
  if (!existsSync(dir)) return [];
  const rules: Rule[] = [];
  for (const file of readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort()) {
    const path = join(dir, file);
    try {
      rules.push(...parseRules(readFileSync(path, 'utf8'), path));
    } catch (error) {
      if (error instanceof RuleFileError) issues.push(...error.issues);
      else throw error;
    }
  }
  return rules;
}

function loadWorkflows(paths: ProjectPaths, issues: RuleFileIssue[]): Map<string, WorkflowDefinition> {
  const workflows = new Map<string, WorkflowDefinition>();
  if (!existsSync(paths.workflowsDir)) return workflows;
  for (const file of readdirSync(paths.workflowsDir).filter((f) => f.endsWith('.asl.json')).sort()) {
    const path = join(paths.workflowsDir, file);
    const id = basename(file, '.asl.json');
    try {
      const settingsPath = join(paths.workflowsDir, `${id}.settings.json`);
      const settings = existsSync(settingsPath) ? (JSON.parse(readFileSync(settingsPath, 'utf8')) as Partial<WorkflowSettings>) : {};
      const workflow = parseWorkflow(id, readFileSync(path, 'utf8'), settings, path);
      for (const task of workflow.tasks) {
        const taskPath = join(paths.tasksDir, `${taskFileName(task)}.ts`);
        if (!existsSync(taskPath)) issues.push({ file: path, line: 1, column: 1, path: task, message: `\${${task}} has no task function (expected ${taskPath})` });
      }
      workflows.set(id, workflow);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      issues.push({ file: path, line: 1, column: 1, path: '', message: error.message });
    }
  }
  return workflows;
}

/** The task function file for a placeholder. */
export const taskEntry = (paths: ProjectPaths, task: string): string => join(paths.tasksDir, `${taskFileName(task)}.ts`);
