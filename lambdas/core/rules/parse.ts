/**
 * Reads rule files: `rules:` files (see docs/rules.md) and the seed's configuration file
 * (`event_driven_workflow_engine:` with `trigger_rules:` and the engine's other settings).
 * Every problem is reported as `file:line:column: message`, all of a file's problems at once.
 */
import { Document, LineCounter, parseDocument } from 'yaml';
import {
  DEFAULT_EVENT_SOURCING,
  DEFAULT_REAL_TIME_EXECUTION,
  readEventSources,
  readEventSourcing,
  readRealTimeExecution,
  type EngineConfig,
} from '../config/engine-config.js';
import { ValidationError } from '../errors.js';
import { readRule, RULE_ID, type IdPolicy } from './read-rule.js';
import type { Rule } from './types.js';
import { expectMap, expectSeq, NodeReader, readKeys, UnreadableValueError, type KeySpec, type RuleFileIssue, type SourceNode } from './yaml-nodes.js';
import { yamlSyntax } from './yaml-syntax.js';

export type { RuleFileIssue } from './yaml-nodes.js';

/**
 * Raised when a rules file has problems; `issues` lists every one of them. `validRules` holds the
 * file's rules that had none, so checks across files (ids, workflows) can still report theirs.
 */
export class RuleFileError extends ValidationError {
  override readonly code = 'invalid_rules';
  readonly issues: readonly RuleFileIssue[];
  readonly validRules: readonly Rule[];

  constructor(issues: readonly RuleFileIssue[], validRules: readonly Rule[] = []) {
    super(issues.map(formatIssue).join('\n'), issues);
    this.issues = issues;
    this.validRules = validRules;
  }
}

/** `file:line:column: message`. */
export const formatIssue = (issue: RuleFileIssue): string => `${issue.file}:${issue.line}:${issue.column}: ${issue.message}`;

/** What one file holds: its rules, and the engine settings when it is the seed's configuration file. */
export interface RulesFile {
  rules: Rule[];
  /** Present when the file is the seed's configuration (`event_driven_workflow_engine:`). */
  config?: EngineConfig;
}

/** The top-level key of the seed's configuration file. */
export const SEED_ROOT_KEY = 'event_driven_workflow_engine';

const TOP_KEYS: readonly KeySpec[] = [{ name: 'rules' }, { name: SEED_ROOT_KEY }];
const ENGINE_KEYS: readonly KeySpec[] = [
  { name: 'event_sources', aliases: ['eventSources'] },
  { name: 'trigger_rules', aliases: ['triggerRules'] },
  { name: 'event_sourcing', aliases: ['eventSourcing'] },
  { name: 'real_time_execution', aliases: ['realTimeExecution'] },
];

/**
 * Parses one rules file.
 * @throws RuleFileError listing every problem with its line and column.
 * @example parseRules(readFileSync('rules/onboarding.yaml', 'utf8'), 'rules/onboarding.yaml')
 */
export function parseRules(text: string, fileName: string): Rule[] {
  return parseRulesFile(text, fileName).rules;
}

/**
 * Parses a rules file or the seed's configuration file (told apart by their top-level key).
 * An empty file holds no rules.
 * @throws RuleFileError listing every problem with its line and column.
 */
export function parseRulesFile(text: string, fileName: string): RulesFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const r = new NodeReader(fileName, yamlSyntax(doc, lineCounter));
  for (const error of doc.errors) r.atOffset(error.pos[0], yamlMessage(error.code, error.message, text, error.pos[0]));
  if (r.issues.length > 0) throw new RuleFileError(r.issues);
  const result = readSafely(r, doc.contents as SourceNode | null);
  if (r.issues.length > 0) throw new RuleFileError(inFileOrder(r.issues), result.rules);
  return result;
}

/** `readTop`, stopping at the first value that cannot be read (its issue is recorded). */
function readSafely(r: NodeReader, root: SourceNode | null): RulesFile {
  try {
    return readTop(r, root);
  } catch (error) {
    if (error instanceof UnreadableValueError) return { rules: [] };
    throw error;
  }
}

const inFileOrder = (issues: readonly RuleFileIssue[]): RuleFileIssue[] =>
  issues
    .map((issue, i) => ({ issue, i }))
    .sort((a, b) => a.issue.line - b.issue.line || a.issue.column - b.issue.column || a.i - b.i)
    .map((x) => x.issue);

/**
 * Parses the seed's configuration file (`event_driven_workflow_engine:`): its trigger rules and
 * the typed `event_sources`, `event_sourcing` and `real_time_execution` settings (defaults filled in).
 * @throws RuleFileError listing every problem, or when the file is not such a configuration.
 */
export function parseEngineConfig(text: string, fileName: string): EngineConfig {
  const file = parseRulesFile(text, fileName);
  if (file.config !== undefined) return file.config;
  throw new RuleFileError([{ file: fileName, line: 1, column: 1, path: '', message: `expected the seed's "${SEED_ROOT_KEY}:" configuration` }]);
}

/**
 * Validates a configuration given as a value (e.g. `createEngine(config)`), in the seed's
 * snake_case or the camelCase spelling of its `EventDrivenEngineConfig`; problems name their path.
 * @throws RuleFileError
 */
export function parseEngineConfigValue(value: unknown, name = 'config'): EngineConfig {
  const wrapped = isObject(value) && Object.keys(value).length === 1 && Object.hasOwn(value, SEED_ROOT_KEY);
  const doc = new Document(wrapped ? value : { [SEED_ROOT_KEY]: value });
  const r = new NodeReader(name, yamlSyntax(doc, undefined));
  const result = readSafely(r, doc.contents as SourceNode | null);
  if (r.issues.length > 0) throw new RuleFileError(r.issues);
  return result.config as EngineConfig;
}

function readTop(r: NodeReader, root: SourceNode | null): RulesFile {
  if (root === null) return { rules: [] };
  if (!r.isMap(root)) {
    r.at(root, `expected a mapping with a "rules:" list (or the seed's "${SEED_ROOT_KEY}:" configuration)`);
    return { rules: [] };
  }
  const keys = readKeys(r, root, TOP_KEYS, '(file)');
  const rulesEntry = keys.get('rules');
  const seedEntry = keys.get(SEED_ROOT_KEY);
  if (rulesEntry !== undefined && seedEntry !== undefined) {
    r.at(seedEntry.keyNode, `a file holds either a "rules:" list or the seed's "${SEED_ROOT_KEY}:" configuration, not both`);
    return { rules: [] };
  }
  if (rulesEntry !== undefined) {
    const items = expectSeq(r, rulesEntry.value, rulesEntry.keyNode, 'rules') ?? [];
    return { rules: readRules(r, items, rulesEntry.keyNode, 'rules', { required: true }) };
  }
  if (seedEntry === undefined) {
    if (r.issues.length === 0) r.at(root, `expected a "rules:" list (or the seed's "${SEED_ROOT_KEY}:" configuration)`);
    return { rules: [] };
  }
  const engine = expectMap(r, seedEntry.value, seedEntry.keyNode, SEED_ROOT_KEY);
  if (engine === undefined) return { rules: [] };
  const blocks = readKeys(r, engine, ENGINE_KEYS, SEED_ROOT_KEY);
  const triggerEntry = blocks.get('trigger_rules');
  const items = triggerEntry === undefined ? [] : (expectSeq(r, triggerEntry.value, triggerEntry.keyNode, 'trigger_rules') ?? []);
  const rules = readRules(r, items, triggerEntry?.keyNode ?? engine, 'trigger_rules', { required: false, generate: seedIdGenerator() });
  const sources = blocks.get('event_sources');
  const sourcing = blocks.get('event_sourcing');
  const realTime = blocks.get('real_time_execution');
  const config: EngineConfig = {
    eventSources: (sources === undefined ? [] : readEventSources(r, sources)) ?? [],
    triggerRules: rules,
    eventSourcing: (sourcing === undefined ? DEFAULT_EVENT_SOURCING : readEventSourcing(r, sourcing)) ?? DEFAULT_EVENT_SOURCING,
    realTimeExecution: (realTime === undefined ? DEFAULT_REAL_TIME_EXECUTION : readRealTimeExecution(r, realTime)) ?? DEFAULT_REAL_TIME_EXECUTION,
  };
  return { rules, config };
}

function readRules(r: NodeReader, items: Array<SourceNode | null>, parent: SourceNode, list: string, ids: IdPolicy): Rule[] {
  const rules: Rule[] = [];
  items.forEach((item, index) => {
    const rule = readRule(r, item, parent, `${list}[${index}]`, ids);
    if (rule !== undefined) rules.push(rule);
  });
  return rules;
}

/**
 * Ids for the seed's rules, which have none: `<event type>-<workflow>` in id form, made unique
 * within the file by `-2`, `-3`… Derived from content, so they survive reordering (execution names
 * are built from rule ids, so a moving id would let an event start a workflow twice).
 */
export function seedIdGenerator(): (rule: { eventType: string | string[]; workflow: string }) => string {
  const used = new Set<string>();
  return ({ eventType, workflow }) => {
    const types = Array.isArray(eventType) ? eventType.join('-') : eventType === '*' ? 'any' : eventType;
    const base = `${slug(types)}-${slug(workflow)}`.slice(0, 58).replace(/-+$/, '') || 'rule';
    let id = base;
    for (let n = 2; used.has(id) || !RULE_ID.test(id); n++) id = `${base}-${n}`;
    used.add(id);
    return id;
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const slug = (text: string): string =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '') || 'x';

function yamlMessage(code: string, message: string, text: string, offset: number): string {
  const first = (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
  if (code === 'RESOURCE_EXHAUSTION') return `the YAML nests too deeply to read (${first})`;
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const line = text.slice(lineStart, text.indexOf('\n', offset) === -1 ? undefined : text.indexOf('\n', offset));
  if (/:\s*\*\s*(#.*)?$/.test(line)) return `${first} (in YAML a bare * starts an alias: write "*" in quotes)`;
  return first;
}
