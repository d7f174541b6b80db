/**
 * Validation over document nodes rather than plain values, so that every problem is reported at the line and column
 * of the node that causes it. The nodes are YAML's (yaml-syntax.ts: rule files, the engine configuration) or JSON's
 * (json-nodes.ts: the rules API's documents, read without the YAML parser); this module imports neither.
 */
import type { ErrorDetail } from '../errors.js';

/** A problem located in a rules (or configuration) file. */
export interface RuleFileIssue extends ErrorDetail {
  file: string;
  line: number;
  column: number;
}

/** A node of a document; `range[0]` is the offset in the text where it starts. */
export interface SourceNode {
  readonly range?: readonly [number, number, number] | null;
}

/** A text, number, boolean or null. */
export interface ScalarNode extends SourceNode {
  readonly value: unknown;
}

/** A key of a mapping and its value, both nodes. */
export interface PairNode {
  readonly key: unknown;
  readonly value: unknown;
}

/** A mapping (YAML) or object (JSON). */
export interface MapNode extends SourceNode {
  readonly items: readonly PairNode[];
  /** The node of `key`'s value (a scalar's node, not its value). */
  get(key: string, keepScalar: true): unknown;
}

/** A sequence (YAML) or array (JSON). */
export interface SeqNode extends SourceNode {
  readonly items: readonly unknown[];
}

/** How one syntax's nodes are told apart, followed and turned into values. */
export interface NodeSyntax {
  isMap(node: unknown): node is MapNode;
  isSeq(node: unknown): node is SeqNode;
  isScalar(node: unknown): node is ScalarNode;
  /** Follows an alias (YAML's `*name`) to the node it stands for; any other node is answered as it is. */
  deref(node: unknown): SourceNode | null;
  /** The plain value of a node; `__proto__` keys become own properties. @throws ReferenceError for a value that cannot be read safely (an alias bomb) */
  toJS(node: SourceNode): unknown;
  /** The 1-based line and column of an offset of the text (1:1 when the nodes came from no text). */
  linePos(offset: number): { line: number; col: number };
}

/** A key of a mapping and its value, both as nodes. */
export interface Entry {
  key: string;
  keyNode: SourceNode;
  value: SourceNode | null;
}

/** A known key: its canonical name and the other spellings accepted for it (the seed's snake_case, …). */
export interface KeySpec {
  name: string;
  aliases?: readonly string[];
}

/** Reading stopped at a value that cannot be read safely; the reason is already among the issues. */
export class UnreadableValueError extends Error {
  override readonly name = 'UnreadableValueError';
}

/** Collects located issues while reading one document. */
export class NodeReader {
  readonly issues: RuleFileIssue[] = [];

  constructor(
    readonly file: string,
    private readonly syntax: NodeSyntax,
  ) {}

  /** Records a problem at `node` (or at the start of the file when the node has no position). */
  at(node: SourceNode | null | undefined, message: string, path = ''): void {
    const { line, col } = this.syntax.linePos(node?.range?.[0] ?? 0);
    this.issues.push({ file: this.file, line, column: col, path, message });
  }

  /** Records a problem at a character offset of the text. */
  atOffset(offset: number, message: string): void {
    const { line, col } = this.syntax.linePos(offset);
    this.issues.push({ file: this.file, line, column: col, path: '', message });
  }

  /** Where `node` starts, as a source location. */
  where(node: SourceNode | null | undefined): { file: string; line: number; column: number } {
    const { line, col } = this.syntax.linePos(node?.range?.[0] ?? 0);
    return { file: this.file, line, column: col };
  }

  isMap(node: unknown): node is MapNode {
    return this.syntax.isMap(node);
  }

  isSeq(node: unknown): node is SeqNode {
    return this.syntax.isSeq(node);
  }

  isScalar(node: unknown): node is ScalarNode {
    return this.syntax.isScalar(node);
  }

  /** Follows an alias (`*name`) to the node it stands for. */
  deref(node: unknown): SourceNode | null {
    return this.syntax.deref(node);
  }

  /**
   * The plain value of a node (aliases resolved; `__proto__` keys become own properties).
   * @throws UnreadableValueError, after recording why, for an alias bomb or an unresolved alias.
   */
  js(node: SourceNode | null): unknown {
    if (node === null) return null;
    try {
      return this.syntax.toJS(node);
    } catch (error) {
      if (!(error instanceof ReferenceError)) throw error;
      this.at(node, `cannot read this value: ${error.message}`);
      throw new UnreadableValueError(error.message, { cause: error });
    }
  }
}

/** Levenshtein distance, for "did you mean" hints. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + cost));
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/** The known name closest to `word`, when it is close enough to be a likely typo. */
export function suggest(word: string, known: readonly string[]): string | undefined {
  const lower = word.toLowerCase().replace(/[-_]/g, '');
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = name.toLowerCase().replace(/[-_]/g, '') === lower ? 0 : editDistance(word, name);
    if (best === undefined || distance < best.distance) best = { name, distance };
  }
  if (best === undefined) return undefined;
  return best.distance <= Math.max(2, Math.floor(word.length / 3)) ? best.name : undefined;
}

/** `unknown key "priorty" (did you mean "priority"?)`. */
export function unknownKeyMessage(key: string, known: readonly string[], spellings: readonly string[] = known): string {
  const hint = suggest(key, spellings);
  return `unknown key "${key}"${hint === undefined ? ` (expected one of ${known.join(', ')})` : ` (did you mean "${hint}"?)`}`;
}

/**
 * Reads a mapping's entries against the keys it may have. Unknown keys, non-text keys and a key
 * written in two spellings are reported; the result is keyed by canonical name.
 */
export function readKeys(r: NodeReader, node: MapNode, specs: readonly KeySpec[], where: string): Map<string, Entry> {
  const canonical = new Map<string, string>();
  for (const spec of specs) {
    canonical.set(spec.name, spec.name);
    for (const alias of spec.aliases ?? []) canonical.set(alias, spec.name);
  }
  const entries = new Map<string, Entry>();
  for (const pair of node.items) {
    const keyNode = pair.key as SourceNode | null;
    const key = r.isScalar(keyNode) ? keyNode.value : undefined;
    if (typeof key !== 'string') {
      r.at(keyNode ?? node, `${where}: keys must be plain text`);
      continue;
    }
    const name = canonical.get(key);
    if (name === undefined) {
      r.at(
        keyNode,
        `${where}: ${unknownKeyMessage(
          key,
          specs.map((s) => s.name),
          [...canonical.keys()],
        )}`,
        key,
      );
      continue;
    }
    const earlier = entries.get(name);
    if (earlier !== undefined) {
      r.at(keyNode, `${where}: "${key}" and "${earlier.key}" are the same setting; keep one`, name);
      continue;
    }
    entries.set(name, { key, keyNode: keyNode as SourceNode, value: r.deref(pair.value) });
  }
  return entries;
}

/** The node to point at for an entry's value (the key when the value is empty). */
export const valueNode = (entry: Entry): SourceNode => entry.value ?? entry.keyNode;

/** A mapping node, or an issue saying what was expected. */
export function expectMap(r: NodeReader, node: SourceNode | null, at: SourceNode, what: string): MapNode | undefined {
  if (r.isMap(node)) return node;
  r.at(node ?? at, `${what} must be a mapping (key: value lines)`);
  return undefined;
}

/** A sequence's items (aliases resolved), or an issue saying a list was expected. */
export function expectSeq(r: NodeReader, node: SourceNode | null, at: SourceNode, what: string): Array<SourceNode | null> | undefined {
  if (r.isSeq(node)) return node.items.map((item) => r.deref(item));
  r.at(node ?? at, `${what} must be a list (lines starting with "- ")`);
  return undefined;
}

/**
 * A location below `where`: `rules[0]` + `id` → `rules[0].id`; a rule named by its id reads
 * `rule "a", conditions[0]` so the id stays legible.
 */
export const sub = (where: string, key: string): string => (where.startsWith('rule "') && !where.includes('", ') ? `${where}, ${key}` : `${where}.${key}`);

/** Reads a scalar entry and checks it; `check` returns a problem or `undefined`. */
export function readValue<T>(r: NodeReader, entry: Entry, where: string, check: (value: unknown) => string | undefined): T | undefined {
  const value = r.js(entry.value);
  const problem = check(value);
  if (problem === undefined) return value as T;
  r.at(valueNode(entry), `${sub(where, entry.key)}: ${problem}`, entry.key);
  return undefined;
}

/** Checks for `readValue`. */
export const checks = {
  boolean: (v: unknown) => (typeof v === 'boolean' ? undefined : `must be true or false, got ${show(v)}`),
  integer: (v: unknown) => (Number.isSafeInteger(v) ? undefined : `must be a whole number, got ${show(v)}`),
  positiveInteger: (v: unknown) => (Number.isSafeInteger(v) && (v as number) > 0 ? undefined : `must be a whole number above 0, got ${show(v)}`),
  text: (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? undefined : `must be non-empty text, got ${show(v)}`),
};

/** A short rendering of a value for messages. */
export function show(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  const text = typeof value === 'string' ? JSON.stringify(value) : Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'a mapping' : String(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}
