/**
 * What the rules views share, pure: a rule's editable document (its YAML fields, as JSON), the `If-Match` of its
 * version, and a line diff for comparing two versions side by side.
 */
import type { ApiRule } from './types.js';

/** The fields `GET /rules/{id}` adds to a rule's document: not part of what `PUT` takes. */
const VIEW_FIELDS = new Set(['id', 'version', 'managedBy', 'updatedAt', 'updatedBy', 'nextFires']);

/** The rule's document as `PUT /rules/{id}` takes it: the view without its id, version, layer and bookkeeping. */
export function documentOf(rule: ApiRule | Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(rule).filter(([key]) => !VIEW_FIELDS.has(key)));
}

/** The editor's text read as a rule document. @throws Error saying where the JSON breaks, or that it is not an object */
export function parseDocument(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`The rule is not JSON: ${(error as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('The rule must be a JSON object of its fields ({"eventType": …, "workflow": …})');
  return value as Record<string, unknown>;
}

/** `If-Match` for a rule's version (managed rules only: a files rule cannot be changed). */
export const ifMatch = (version: number | string | undefined): Record<string, string> => (typeof version === 'number' ? { 'if-match': `"${version}"` } : {});

/** One line of a side of a diff: its text, and whether the other side lacks it. */
export interface DiffLine {
  text: string;
  changed: boolean;
}

/** How many lines a side may have for the diff to mark them (an LCS is quadratic); longer texts are shown unmarked. */
const MAX_DIFF_LINES = 1000;

/**
 * Two texts line by line, each line marked when it is not in their longest common subsequence: what was removed on
 * the left, what was added on the right.
 */
export function lineDiff(left: string, right: string): { left: DiffLine[]; right: DiffLine[] } {
  const a = left.split('\n');
  const b = right.split('\n');
  if (a.length > MAX_DIFF_LINES || b.length > MAX_DIFF_LINES) {
    const plain = (lines: string[]) => lines.map((text) => ({ text, changed: false }));
    return { left: plain(a), right: plain(b) };
  }
  // lcs(i, j): the length of the longest common subsequence of a[i..] and b[j..], kept in one flat array.
  const width = b.length + 1;
  const lengths = new Uint32Array((a.length + 1) * width);
  const lcs = (i: number, j: number) => lengths[i * width + j] ?? 0;
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) lengths[i * width + j] = a[i] === b[j] ? lcs(i + 1, j + 1) + 1 : Math.max(lcs(i + 1, j), lcs(i, j + 1));
  }
  const keptA = new Set<number>();
  const keptB = new Set<number>();
  for (let i = 0, j = 0; i < a.length && j < b.length; ) {
    if (a[i] === b[j]) {
      keptA.add(i++);
      keptB.add(j++);
    } else if (lcs(i + 1, j) >= lcs(i, j + 1)) i++;
    else j++;
  }
  return {
    left: a.map((text, i) => ({ text, changed: !keptA.has(i) })),
    right: b.map((text, j) => ({ text, changed: !keptB.has(j) })),
  };
}

/** A rule document as the editor and the diff show it. */
export const pretty = (document: unknown): string => JSON.stringify(document, null, 2);
