/**
 * Loads a project's `rules/` and `workflows/` from disk and checks them together:
 * rule ids are unique across files, every rule's workflow exists, every `${Task}` placeholder has
 * a task function. Used by the embedded engine, the CLI and the CDK app (so `cdk synth` fails on a bad rule).
 *
 * `rules/` holds `rules:` files and, optionally, the seed's configuration file
 * (`event_driven_workflow_engine:`, conventionally `rules/edwe.config.yaml`): any `*.yaml` there is
 * read as one or the other by its top-level key. Its trigger rules join the others; its engine
 * settings become `Project.config`. At most one such file per project.
 */
import { fileURLToPath } from 'node:url';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { validateAsl } from './validate-asl.js';
import {
  compileRules,
  encryptedFieldUses,
  parseRulesFile,
  parseWorkflow,
  RuleFileError,
  SEED_ROOT_KEY,
  taskFileName,
  ValidationError,
  type EngineConfig,
  type Rule,
  type RuleFileIssue,
  type RuleSet,
  type WorkflowDefinition,
  type WorkflowSettings,
} from '../core/index.js';
import { suggest } from '../core/rules/yaml-nodes.js';

/** Where a project's rules, workflows and task functions are. */
export interface ProjectPaths {
  rulesDir: string;
  workflowsDir: string;
  tasksDir: string;
}

/** A loaded, checked project: its rules (compiled), workflows and the seed configuration's settings. */
export interface Project {
  paths: ProjectPaths;
  rules: Rule[];
  ruleSet: RuleSet;
  workflows: Map<string, WorkflowDefinition>;
  /** The seed configuration's engine settings, when `rules/` holds that file. */
  config?: EngineConfig;
}

/** The repository's own layout, relative to a root directory. */
export function defaultPaths(root = process.cwd()): ProjectPaths {
  return {
    rulesDir: resolve(root, 'rules'),
    workflowsDir: resolve(root, 'workflows'),
    tasksDir: resolve(root, 'workflows/tasks'),
  };
}

/** The engine's built-in tasks (`${EmitEvent}`, `${WaitForEvent}`), which every project may call. */
export const BUILT_IN_TASKS_DIR = fileURLToPath(new URL('../tasks', import.meta.url));

/** Raised with every problem found in a project, each as `file:line:column: message`. */
export class ProjectError extends ValidationError {
  override readonly code = 'invalid_project';
  readonly issues: readonly RuleFileIssue[];

  constructor(issues: readonly RuleFileIssue[]) {
    super(issues.map((i) => `${i.file}:${i.line}:${i.column}: ${i.message}`).join('\n'), issues);
    this.issues = issues;
  }
}

/** @throws ProjectError listing every problem in the rules and workflows, ordered by file and line. */
export function loadProject(paths: ProjectPaths = defaultPaths()): Project {
  const issues: RuleFileIssue[] = [];
  const workflows = loadWorkflows(paths, issues);
  const { rules, config, partial } = loadRules(paths.rulesDir, issues);
  issues.push(...crossFileIssues([...rules, ...partial], workflows, paths));
  issues.push(...encryptedFieldIssues([...rules, ...partial], config, paths));
  if (issues.length > 0) throw new ProjectError(sortIssues(issues));
  const project: Project = { paths, rules, ruleSet: compileRules(rules), workflows };
  if (config !== undefined) project.config = config;
  return project;
}

/** What only the whole project shows: an id used twice, a workflow that does not exist. */
function crossFileIssues(rules: readonly Rule[], workflows: Map<string, WorkflowDefinition>, paths: ProjectPaths): RuleFileIssue[] {
  const issues: RuleFileIssue[] = [];
  const at = (rule: Rule, key: string) => {
    const where = rule.location ?? { file: paths.rulesDir, line: 1, column: 1 };
    const position = where.keys?.[key] ?? where;
    return { file: where.file, line: position.line, column: position.column, path: key };
  };
  const seen = new Map<string, Rule>();
  const known = [...workflows.keys()];
  for (const rule of rules) {
    const first = seen.get(rule.id);
    if (first !== undefined) {
      const generated = rule.location?.keys?.id === undefined ? ' (generated from event type and workflow: give this rule an "id:")' : '';
      issues.push({ ...at(rule, 'id'), message: `duplicate rule id "${rule.id}"${generated}; first defined at ${first.location?.file}:${first.location?.line}` });
    } else seen.set(rule.id, rule);
    if (!workflows.has(rule.workflow)) {
      const hint = suggest(rule.workflow, known);
      const has = known.length === 0 ? 'it has none' : hint !== undefined ? `did you mean "${hint}"?` : `it has ${known.join(', ')}`;
      issues.push({
        ...at(rule, 'workflow'),
        message: `rule "${rule.id}": workflow "${rule.workflow}" does not exist: no ${rule.workflow}.asl.json in ${paths.workflowsDir} (${has})`,
      });
    }
  }
  return issues;
}

/** A rule that tests an encrypted field for more than its existence (it would be testing ciphertext). */
function encryptedFieldIssues(rules: readonly Rule[], config: EngineConfig | undefined, paths: ProjectPaths): RuleFileIssue[] {
  return encryptedFieldUses(rules, config?.eventSourcing.encrypt ?? []).map(({ rule, key, message }) => {
    const where = rule.location ?? { file: paths.rulesDir, line: 1, column: 1 };
    const position = where.keys?.[key] ?? where;
    return { file: where.file, line: position.line, column: position.column, path: key, message };
  });
}

/** The rules of valid files, the valid rules of invalid files (`partial`, for the checks across files), and the seed config. */
function loadRules(dir: string, issues: RuleFileIssue[]): { rules: Rule[]; partial: Rule[]; config?: EngineConfig } {
  const result: { rules: Rule[]; partial: Rule[]; config?: EngineConfig } = { rules: [], partial: [] };
  if (!existsSync(dir)) return result;
  let configFile: string | undefined;
  for (const file of readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()) {
    const path = join(dir, file);
    try {
      const parsed = parseRulesFile(readFileSync(path, 'utf8'), path);
      result.rules.push(...parsed.rules);
      if (parsed.config === undefined) continue;
      if (configFile !== undefined) {
        issues.push({ file: path, line: 1, column: 1, path: SEED_ROOT_KEY, message: `a second "${SEED_ROOT_KEY}:" configuration; the project already has ${configFile}` });
      } else {
        configFile = path;
        result.config = parsed.config;
      }
    } catch (error) {
      if (!(error instanceof RuleFileError)) throw error;
      issues.push(...error.issues);
      result.partial.push(...error.validRules);
    }
  }
  return result;
}

const sortIssues = (issues: RuleFileIssue[]): RuleFileIssue[] =>
  issues
    .map((issue, i) => ({ issue, i }))
    .sort((a, b) => (a.issue.file < b.issue.file ? -1 : a.issue.file > b.issue.file ? 1 : 0) || a.issue.line - b.issue.line || a.issue.column - b.issue.column || a.i - b.i)
    .map(({ issue }) => issue);

function loadWorkflows(paths: ProjectPaths, issues: RuleFileIssue[]): Map<string, WorkflowDefinition> {
  const workflows = new Map<string, WorkflowDefinition>();
  if (!existsSync(paths.workflowsDir)) return workflows;
  for (const file of readdirSync(paths.workflowsDir)
    .filter((f) => f.endsWith('.asl.json'))
    .sort()) {
    const path = join(paths.workflowsDir, file);
    const id = basename(file, '.asl.json');
    try {
      const settingsPath = join(paths.workflowsDir, `${id}.settings.json`);
      const settings = existsSync(settingsPath) ? readSettings(settingsPath, issues) : {};
      if (settings === undefined) continue;
      const workflow = parseWorkflow(id, readFileSync(path, 'utf8'), settings, path);
      for (const task of workflow.tasks) {
        const taskPath = taskEntry(paths, task);
        if (!existsSync(taskPath))
          issues.push({ file: path, line: 1, column: 1, path: task, message: `\${${task}} has no task function (expected ${taskPath}, or .js/.mjs)` });
      }
      issues.push(...validateAsl(workflow, path));
      workflows.set(id, workflow);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      issues.push({ file: path, line: 1, column: 1, path: '', message: error.message.startsWith(`${path}: `) ? error.message.slice(path.length + 2) : error.message });
    }
  }
  return workflows;
}

/** A workflow's settings file; `undefined` (with the issue noted, naming the file) when it is not a JSON object. */
function readSettings(path: string, issues: RuleFileIssue[]): Partial<WorkflowSettings> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    issues.push({ file: path, line: 1, column: 1, path: '', message: `not valid JSON: ${(error as Error).message}` });
    return undefined;
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Partial<WorkflowSettings>;
  issues.push({ file: path, line: 1, column: 1, path: '', message: 'must be a JSON object' });
  return undefined;
}

/**
 * Extensions a task function file may have, in the order they are looked for: TypeScript (loaded
 * through tsx when Node cannot run it itself), then JavaScript. Built-in tasks are `.ts` in the
 * repository and `.js` in the built package.
 */
export const TASK_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'] as const;

/** The task function file for a placeholder: the project's own, else a built-in one of that name. */
export function taskEntry(paths: ProjectPaths, task: string): string {
  const name = taskFileName(task);
  const find = (dir: string) => TASK_EXTENSIONS.map((ext) => join(dir, `${name}${ext}`)).find((file) => existsSync(file));
  return find(paths.tasksDir) ?? find(BUILT_IN_TASKS_DIR) ?? join(paths.tasksDir, `${name}.ts`);
}
