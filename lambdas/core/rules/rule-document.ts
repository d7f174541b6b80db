/**
 * A rule as the API carries it: JSON with the YAML fields. A document is read into located nodes (json-nodes.ts) and
 * checked by the very reader the rule files use (`readRule`), each problem named by its JSON path (`conditions[0].op`).
 */
import { ValidationError, type ErrorDetail } from '../errors.js';
import type { RuleDocument } from '../ports/rules.js';
import { JsonSyntaxError, readJsonNodes } from './json-nodes.js';
import { readRule, RULE_ID } from './read-rule.js';
export { filesRuleVersion, ruleDocumentOf } from './rule-as-document.js';
import type { Rule } from './types.js';
import { NodeReader, UnreadableValueError, type RuleFileIssue, type SourceNode } from './yaml-nodes.js';

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
  let parsed: ReturnType<typeof readJsonNodes>;
  try {
    parsed = readJsonNodes(text);
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    throw invalid([{ path: '(body)', message: error.message }]);
  }
  return readRuleNodes(id, new NodeReader('(rule)', parsed.syntax), parsed.root, context);
}

/**
 * `readRuleDocument` past the text: the document's nodes, as any reader gives them (JSON's here; the tests read the
 * same text as YAML too, to show both readers report alike), with `r` to read them.
 * @throws InvalidRuleError naming each problem's JSON path.
 */
export function readRuleNodes(id: string, r: NodeReader, root: SourceNode | null, context: RuleDocumentContext): { rule: Rule; document: RuleDocument } {
  if (!r.isMap(root)) throw invalid([{ path: '(body)', message: 'a rule must be a JSON object' }]);
  const written = root.get('id', true);
  if (written !== undefined && !(r.isScalar(written) && written.value === id)) {
    throw invalid([{ path: 'id', message: `must be the id in the path, "${id}" (or be left out)` }]);
  }
  let rule: Rule | undefined;
  let document: RuleDocument | undefined;
  try {
    rule = readRule(r, root, root, '(rule)', { required: false, generate: () => id });
    document = r.js(root) as RuleDocument;
  } catch (error) {
    if (!(error instanceof UnreadableValueError)) throw error;
  }
  const paths = pathsOf(r, root);
  const details = r.issues.map((issue) => detailOf(issue, paths));
  if (rule !== undefined && !context.workflows.has(rule.workflow)) details.push({ path: 'workflow', message: `no workflow "${rule.workflow}" is deployed` });
  if (details.length > 0 || rule === undefined || document === undefined) throw invalid(details);
  rule.location = { file: `rule ${id}`, line: 1, column: 1 };
  return { rule, document: written === undefined ? { id, ...document } : document };
}

const invalid = (details: ErrorDetail[]): InvalidRuleError => new InvalidRuleError(`Invalid rule: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, details);

/** The JSON path of every node (keys and values), by the line and column it starts at; the outermost wins a tie. */
function pathsOf(r: NodeReader, root: SourceNode): Map<string, string> {
  const paths = new Map<string, string>();
  const place = (node: unknown, path: string): void => {
    if ((node as SourceNode | null)?.range?.[0] === undefined) return;
    const { line, column } = r.where(node as SourceNode);
    if (!paths.has(`${line}:${column}`)) paths.set(`${line}:${column}`, path);
  };
  const visit = (node: unknown, path: string): void => {
    place(node, path);
    if (r.isMap(node)) {
      for (const pair of node.items) {
        const key = String(r.isScalar(pair.key) ? pair.key.value : pair.key);
        const below = path === '' ? key : `${path}.${key}`;
        place(pair.key, below);
        visit(pair.value, below);
      }
    } else if (r.isSeq(node)) node.items.forEach((item, i) => visit(item, `${path}[${i}]`));
  };
  visit(root, '');
  return paths;
}

/** An issue the reader located by line and column, as a detail naming its JSON path and saying what is wrong. */
function detailOf(issue: RuleFileIssue, paths: Map<string, string>): ErrorDetail {
  const located = paths.get(`${issue.line}:${issue.column}`) ?? '';
  const key = issue.path;
  // The reader names the key it was reading; the node it points at is that key's value, or the mapping that lacks it.
  const within = (p: string) => p === key || p.endsWith(`.${key}`) || p.startsWith(`${key}.`) || p.startsWith(`${key}[`);
  const path = key === '' || within(located) ? located : located === '' ? key : `${located}.${key}`;
  // "rule "a", conditions[0].op: unknown operator" → "unknown operator": the path says where.
  const message = issue.message.replace(/^(?:rule "[^"]*"|\(rule\))(?:(?:, |\.)[^:]*)?: /, '');
  return { path: path === '' ? '(rule)' : path, message };
}
