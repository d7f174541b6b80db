/**
 * `edwe rules check`, `edwe rules route` and `edwe test-event-pattern`: the rule language's tools.
 * Each is `(argv, io) => exit code`: 0 done, 1 the rules or workflows are invalid, 2 bad usage or input.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { explainRouting, formatIssue, nextFires, normaliseEvent, parseJsonBody, ulid, ValidationError, type RuleFileIssue } from '../lambdas/core/index.js';
import { InvalidEventError, InvalidPatternError, testEventPattern as testPattern } from '../lambdas/core/pattern/index.js';
import { defaultPaths, loadProject, ProjectError, type Project, type ProjectPaths } from '../lambdas/project/load-project.js';
import type { CliIo } from './io.js';

/** Usage lines, for `edwe --help`. */
export const RULES_CHECK_USAGE = 'Usage: edwe rules check [--rules DIR] [--workflows DIR]';
export const RULES_ROUTE_USAGE = 'Usage: edwe rules route --event FILE|- [--all] [--rules DIR] [--workflows DIR]';
export const TEST_EVENT_PATTERN_USAGE = 'Usage: edwe test-event-pattern --event-pattern JSON|file://PATH --event JSON|file://PATH [--output json|text]';

/** A problem with how the command was called (exit 2). */
class UsageError extends Error {}

type Options = NonNullable<Parameters<typeof parseArgs>[0]>['options'];

function parse(argv: string[], options: Options, usage: string): Record<string, string | boolean | undefined> {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values as Record<string, string | boolean | undefined>;
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${usage}`);
  }
}

/** Runs a command body, turning usage errors into exit code 2. */
async function run(io: CliIo, name: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`edwe ${name}: ${error.message}\n`);
    return 2;
  }
}

const PROJECT_OPTIONS: Options = { rules: { type: 'string' }, workflows: { type: 'string' } };

function projectPaths(io: CliIo, values: Record<string, string | boolean | undefined>): ProjectPaths {
  const paths = defaultPaths(io.cwd);
  if (typeof values.rules === 'string') paths.rulesDir = resolve(io.cwd, values.rules);
  if (typeof values.workflows === 'string') paths.workflowsDir = resolve(io.cwd, values.workflows);
  for (const [flag, dir] of [
    ['--rules', paths.rulesDir],
    ['--workflows', paths.workflowsDir],
  ] as const) {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`${flag}: no such directory: ${dir}`);
  }
  return paths;
}

/** Loads the project, or prints every problem (paths relative to the working directory) and gives `undefined`. */
function loadOrReport(io: CliIo, paths: ProjectPaths): Project | undefined {
  try {
    return loadProject(paths);
  } catch (error) {
    if (!(error instanceof ProjectError)) throw error;
    const shown = (issue: RuleFileIssue) => formatIssue({ ...issue, file: displayPath(io, issue.file) });
    io.stderr(`${error.issues.map(shown).join('\n')}\n${plural(error.issues.length, 'problem')} found\n`);
    return undefined;
  }
}

const displayPath = (io: CliIo, file: string): string => {
  if (!isAbsolute(file)) return file;
  const rel = relative(io.cwd, file);
  return rel.startsWith('..') ? file : rel;
};
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * `edwe rules check`: validates every rule file and workflow together.
 * Exit 0 with a one-line summary, or 1 with each problem as `file:line:column: message` on stderr.
 */
export async function rulesCheck(argv: string[], io: CliIo): Promise<number> {
  return run(io, 'rules check', async () => {
    const paths = projectPaths(io, parse(argv, PROJECT_OPTIONS, RULES_CHECK_USAGE));
    const project = loadOrReport(io, paths);
    if (project === undefined) return 1;
    const files = readdirSync(paths.rulesDir).filter((f) => /\.ya?ml$/.test(f)).length;
    const disabled = project.rules.filter((r) => !r.enabled).length;
    const rules = `${plural(project.rules.length, 'rule')}${disabled > 0 ? ` (${disabled} disabled)` : ''}`;
    io.stdout(`${rules} in ${plural(files, 'file')}, ${plural(project.workflows.size, 'workflow')}: OK\n`);
    // Each schedule rule with its next fires, so a cron written wrong (or in the wrong zone) shows before a deploy.
    for (const rule of project.rules) {
      const fires = rule.enabled ? nextFires(rule, Date.now()) : undefined;
      if (fires !== undefined) io.stdout(`schedule ${rule.id}: ${rule.schedule} (${rule.timezone}, catchUp ${rule.catchUp}); next ${fires.join(', ')}\n`);
    }
    return 0;
  });
}

/**
 * `edwe rules route --event FILE|-`: the rules an event would fire, in order, as a JSON array,
 * each with the reasons it matched; rules cut by an earlier `stop` rule are listed as `cut`.
 * `--all` adds the rules that did not match, with the first reason why.
 */
export async function rulesRoute(argv: string[], io: CliIo): Promise<number> {
  return run(io, 'rules route', async () => {
    const values = parse(argv, { ...PROJECT_OPTIONS, event: { type: 'string' }, all: { type: 'boolean' } }, RULES_ROUTE_USAGE);
    if (typeof values.event !== 'string') throw new UsageError(`--event FILE (or - for standard input) is required\n${RULES_ROUTE_USAGE}`);
    const paths = projectPaths(io, values);
    const text = values.event === '-' ? await io.readStdin() : readText(io, values.event, '--event');
    let event;
    try {
      event = normaliseEvent(parseJsonBody(text), { clock: { now: () => Date.now() }, ids: { newId: (now) => ulid(now, randomBytes(10)) } });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      throw new UsageError(`the event is not valid: ${error.message}`);
    }
    const project = loadOrReport(io, paths);
    if (project === undefined) return 1;
    const explained = explainRouting(project.ruleSet, event).filter((e) => values.all === true || e.outcome !== 'skipped');
    const rules = new Map(project.rules.map((rule) => [rule.id, rule]));
    const output = explained.map((explanation) => {
      const location = rules.get(explanation.rule)?.location;
      return { ...explanation, ...(location === undefined ? {} : { location: `${displayPath(io, location.file)}:${location.line}:${location.column}` }) };
    });
    io.stdout(`${JSON.stringify(output, null, 2)}\n`);
    return 0;
  });
}

/**
 * `edwe test-event-pattern`: the local twin of `aws events test-event-pattern`. Prints the result
 * as the AWS CLI does (`{"Result": true}` in its default JSON layout, or `True`/`False` with
 * `--output text`); an invalid pattern or event exits 2 with the reason on stderr.
 */
export async function testEventPattern(argv: string[], io: CliIo): Promise<number> {
  return run(io, 'test-event-pattern', async () => {
    const values = parse(argv, { 'event-pattern': { type: 'string' }, event: { type: 'string' }, output: { type: 'string' } }, TEST_EVENT_PATTERN_USAGE);
    const pattern = values['event-pattern'];
    const event = values.event;
    const output = values.output ?? 'json';
    if (typeof pattern !== 'string' || typeof event !== 'string') throw new UsageError(`--event-pattern and --event are required\n${TEST_EVENT_PATTERN_USAGE}`);
    if (output !== 'json' && output !== 'text') throw new UsageError(`--output must be json or text, got "${String(output)}"`);
    let result: { Result: boolean };
    try {
      result = testPattern(cliValue(io, pattern, '--event-pattern'), cliValue(io, event, '--event'));
    } catch (error) {
      if (error instanceof InvalidPatternError || error instanceof InvalidEventError) {
        const what = error instanceof InvalidPatternError ? 'Event pattern is not valid' : 'Event is not valid';
        io.stderr(`An error occurred (InvalidEventPatternException) when calling the TestEventPattern operation: ${what}. Reason: ${error.message}\n`);
        return 2;
      }
      throw error;
    }
    // The AWS CLI prints JSON with json.dump(indent=4) and Python's True/False as text.
    io.stdout(output === 'text' ? `${result.Result ? 'True' : 'False'}\n` : `${JSON.stringify(result, null, 4)}\n`);
    return 0;
  });
}

/** An argument as the AWS CLI reads it: literal text, or `file://PATH` for a file's contents. */
function cliValue(io: CliIo, value: string, flag: string): string {
  return value.startsWith('file://') ? readText(io, value.slice('file://'.length), flag) : value;
}

function readText(io: CliIo, file: string, flag: string): string {
  try {
    return readFileSync(resolve(io.cwd, file), 'utf8');
  } catch (error) {
    throw new UsageError(`${flag}: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}
