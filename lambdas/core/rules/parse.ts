/**
 * Reads `rules/*.yaml` into `Rule`s. Every problem is reported as `file:line:column: message`,
 * all of a file's problems at once.
 */
import { isMap, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { z } from 'zod';
import { ValidationError, type ErrorDetail } from '../errors.js';
import type { Rule } from './types.js';

const RULE_ID = /^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$/;

const ConditionSchema = z.strictObject({
  field: z.string().min(1),
  op: z
    .enum(['equals', 'not_equals', 'in', 'not_in', 'gt', 'gte', 'lt', 'lte', 'between', 'exists',
      'prefix', 'suffix', 'contains', 'wildcard', 'cidr', 'equals_ignore_case'])
    .optional(),
  value: z.unknown().optional(),
});

const RuleSchema = z.strictObject({
  id: z.string().regex(RULE_ID, { error: 'id must be lowercase letters, digits and dashes (at most 64)' }),
  eventType: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  workflow: z.string().min(1),
  priority: z.number().int().default(0),
  conditions: z.array(ConditionSchema).default([]),
  pattern: z.record(z.string(), z.unknown()).optional(),
  stop: z.boolean().default(false),
  correlateBy: z.string().min(1).optional(),
  enabled: z.boolean().default(true),
});

const RulesFileSchema = z.strictObject({ rules: z.array(z.unknown()) });

/** A problem located in a rules file. */
export interface RuleFileIssue extends ErrorDetail {
  file: string;
  line: number;
  column: number;
}

/** Raised when a rules file has problems; `issues` lists every one of them. */
export class RuleFileError extends ValidationError {
  override readonly code = 'invalid_rules';
  readonly issues: readonly RuleFileIssue[];

  constructor(issues: readonly RuleFileIssue[]) {
    super(issues.map(formatIssue).join('\n'), issues);
    this.issues = issues;
  }
}

export const formatIssue = (issue: RuleFileIssue): string => `${issue.file}:${issue.line}:${issue.column}: ${issue.message}`;

/**
 * Parses one rules file.
 * @throws RuleFileError listing every problem with its line and column.
 */
export function parseRules(text: string, fileName: string): Rule[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  const issues: RuleFileIssue[] = [];
  const at = (node: YamlNode | null | undefined, message: string, path = ''): void => {
    const offset = node?.range?.[0] ?? 0;
    const { line, col } = lineCounter.linePos(offset);
    issues.push({ file: fileName, line, column: col, path, message });
  };
  for (const error of doc.errors) {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    issues.push({ file: fileName, line, column: col, path: '', message: error.message.split('\n')[0] ?? error.message });
  }
  if (issues.length > 0) throw new RuleFileError(issues);

  const top = RulesFileSchema.safeParse(doc.toJS());
  if (!top.success) {
    at(doc.contents, 'a rules file must be a mapping with a `rules:` list');
    throw new RuleFileError(issues);
  }
  const rulesNode = isMap(doc.contents) ? doc.contents.get('rules', true) : undefined;
  const rules: Rule[] = [];
  top.data.rules.forEach((raw, index) => {
    const ruleNode = isSeq(rulesNode) ? (rulesNode.items[index] as YamlNode | undefined) : undefined;
    const parsed = RuleSchema.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0] ?? ''] : issue.path;
        const node = nodeAt(ruleNode, path) ?? ruleNode;
        const message =
          issue.code === 'unrecognized_keys'
            ? `rules[${index}]: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`
            : `rules[${index}].${path.map(String).join('.')}: ${issue.message}`;
        at(node, message, path.map(String).join('.'));
      }
      return;
    }
    const { line, col } = lineCounter.linePos(ruleNode?.range?.[0] ?? 0);
    const rule = { ...stripUndefined(parsed.data), location: { file: fileName, line, column: col } } as Rule;
    rules.push(rule);
  });
  if (issues.length > 0) throw new RuleFileError(issues);
  return rules;
}

function nodeAt(node: YamlNode | undefined, path: ReadonlyArray<PropertyKey>): YamlNode | undefined {
  let current: unknown = node;
  for (const part of path) {
    if (isMap(current)) current = current.get(String(part), true);
    else if (isSeq(current) && typeof part === 'number') current = current.items[part];
    else return undefined;
  }
  return current as YamlNode | undefined;
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
