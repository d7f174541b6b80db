/**
 * A rule as the API carries it: JSON with the YAML fields. JSON is YAML, so a document is read by the very
 * reader the rule files use (`readRule`), and each problem is named by its JSON path (`conditions[0].op`).
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { ValidationError, type ErrorDetail } from '../errors.js';
import type { RuleDocument } from '../ports/rules.js';
import { readRule, RULE_ID } from './read-rule.js';
export { filesRuleVersion, ruleDocumentOf } from './rule-as-document.js';
import type { Rule } from './types.js';
import { NodeReader, UnreadableValueError, type RuleFileIssue } from './yaml-nodes.js';

/** The largest rule document accepted: a version of it is stored with every change (a DynamoDB item holds 400 KB). */
export const MAX_RULE_BYTES = 128 * 1024;

/** A rule document that is not a valid rule (HTTP 400); `details` name each problem by its JSON path. */
export class InvalidRuleError extends ValidationError {
  override readonly code = 'invalid_rule';
}

/** What checking a document needs beyond the document: the workflows that exist. */
export interface RuleDocumentContext {
  workflows: { has(id: string): boolean };
}

/**
 * Reads a rule document (JSON text, or a value, e.g. one stored earlier) as the rule `id`: the document's own `id`
 * may be left out, and must otherwise be `id`. Checked as rule files are (keys, values, conditions, pattern) and
 * against the workflows. Answers the rule and the document (with its `id`).
 * @throws InvalidRuleError naming each problem's JSON path.
 */
export function readRuleDocument(id: string, body: string | RuleDocument, context: RuleDocumentContext): { rule: Rule; document: RuleDocument } {
  if (!RULE_ID.test(id)) {
    throw new InvalidRuleError(`Invalid rule id ${JSON.stringify(id.slice(0, 80))}`, [
      { path: 'id', message: 'must be lowercase letters, digits and dashes (at most 64, not starting or ending with a dash)' },
    ]);
  }
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  if (new TextEncoder().encode(text).length > MAX_RULE_BYTES) throw invalid([{ path: '(body)', message: `a rule is at most ${MAX_RULE_BYTES / 1024} KiB of JSON` }]);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0)
    throw invalid(doc.errors.map((e) => ({ path: '(body)', message: (e.message.split('\n')[0] ?? e.message).replace(/ at line \d+, column \d+:?$/, '') })));
  const root = doc.contents as YamlNode | null;
  if (!isMap(root)) throw invalid([{ path: '(body)', message: 'a rule must be a JSON object' }]);
  const written = root.get('id', true);
  if (written !== undefined && !(isScalar(written) && written.value === id)) {
    throw invalid([{ path: 'id', message: `must be the id in the path, "${id}" (or be left out)` }]);
  }
  const r = new NodeReader('(rule)', doc, lineCounter);
  let rule: Rule | undefined;
  try {
    rule = readRule(r, root, root, '(rule)', { required: false, generate: () => id });
  } catch (error) {
    if (!(error instanceof UnreadableValueError)) throw error;
  }
  const details = r.issues.map((issue) => detailOf(issue, pathsOf(root), lineCounter));
  if (rule !== undefined && !context.workflows.has(rule.workflow)) details.push({ path: 'workflow', message: `no workflow "${rule.workflow}" is deployed` });
  if (details.length > 0 || rule === undefined) throw invalid(details);
  const document = doc.toJS({ maxAliasCount: 100 }) as RuleDocument;
  rule.location = { file: `rule ${id}`, line: 1, column: 1 };
  return { rule, document: written === undefined ? { id, ...document } : document };
}

const invalid = (details: ErrorDetail[]): InvalidRuleError => new InvalidRuleError(`Invalid rule: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, details);

/** The JSON path of every node (keys and values), by the offset it starts at; the outermost wins a tie. */
function pathsOf(root: YamlNode): Map<number, string> {
  const paths = new Map<number, string>();
  const visit = (node: unknown, path: string): void => {
    const start = (node as YamlNode | null)?.range?.[0];
    if (start !== undefined && !paths.has(start)) paths.set(start, path);
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = String(isScalar(pair.key) ? pair.key.value : pair.key);
        const below = path === '' ? key : `${path}.${key}`;
        const keyStart = (pair.key as YamlNode | null)?.range?.[0];
        if (keyStart !== undefined && !paths.has(keyStart)) paths.set(keyStart, below);
        visit(pair.value, below);
      }
    } else if (isSeq(node)) node.items.forEach((item, i) => visit(item, `${path}[${i}]`));
  };
  visit(root, '');
  return paths;
}

/** An issue the reader located by line and column, as a detail naming its JSON path and saying what is wrong. */
function detailOf(issue: RuleFileIssue, paths: Map<number, string>, lineCounter: LineCounter): ErrorDetail {
  const offset = (lineCounter.lineStarts[issue.line - 1] ?? 0) + issue.column - 1;
  const located = paths.get(offset) ?? '';
  const key = issue.path;
  // The reader names the key it was reading; the node it points at is that key's value, or the mapping that lacks it.
  const within = (p: string) => p === key || p.endsWith(`.${key}`) || p.startsWith(`${key}.`) || p.startsWith(`${key}[`);
  const path = key === '' || within(located) ? located : located === '' ? key : `${located}.${key}`;
  // "rule "a", conditions[0].op: unknown operator" → "unknown operator": the path says where.
  const message = issue.message.replace(/^(?:rule "[^"]*"|\(rule\))(?:(?:, |\.)[^:]*)?: /, '');
  return { path: path === '' ? '(rule)' : path, message };
}
