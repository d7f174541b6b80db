/**
 * How deep JSON may nest, checked on the raw text before it is parsed: a body nesting thousands of
 * levels costs memory to parse and overflows the stack of whatever walks it later. Both homes use it
 * (DynamoDB documents nest at most 32 levels, so the embedded engine holds events to the same limit).
 */

/** The deepest an event may nest, counting the event object itself as level 1 (DynamoDB's limit for a document). */
export const MAX_NESTING_DEPTH = 32;

/**
 * What a subtree nested deeper than allowed is replaced with before parsing. A string, so the parse
 * stays cheap; the envelope refuses an event that holds it, naming the limit.
 */
export const TOO_DEEP_MARKER = '\u0000edwe:nested-too-deep\u0000';
const MARKER_JSON = JSON.stringify(TOO_DEEP_MARKER);

const OPEN_OBJECT = 123; // {
const OPEN_ARRAY = 91; // [
const CLOSE_OBJECT = 125; // }
const CLOSE_ARRAY = 93; // ]
const QUOTE = 34; // "
const BACKSLASH = 92;

/** Index of the quote closing the string opened at `start`, or -1 when it never closes. */
function stringEnd(text: string, start: number): number {
  let at = start;
  for (;;) {
    at = text.indexOf('"', at + 1);
    if (at === -1) return -1;
    let slashes = 0;
    while (text.charCodeAt(at - 1 - slashes) === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return at;
  }
}

/**
 * The JSON text with every object or array nested deeper than `maxDepth` replaced by
 * `TOO_DEEP_MARKER` (returned unchanged, without copying, when nothing is that deep). One pass over
 * the characters; strings are skipped with `indexOf`. Malformed text is returned as far as it could
 * be read, for `JSON.parse` to report.
 * @example pruneDeepJson('{"a":{"b":{}}}', 2) // → '{"a":{"b":"\u0000edwe:nested-too-deep\u0000"}}'
 */
export function pruneDeepJson(text: string, maxDepth: number): string {
  let depth = 0;
  let parts: string[] | undefined;
  let copiedTo = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(text, i);
      if (end === -1) break;
      i = end;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      depth++;
      if (depth <= maxDepth) continue;
      const end = containerEnd(text, i);
      parts ??= [];
      parts.push(text.slice(copiedTo, i), MARKER_JSON);
      copiedTo = end === -1 ? text.length : end + 1;
      if (end === -1) break;
      i = end;
      depth--;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth--;
    }
  }
  if (parts === undefined) return text;
  parts.push(text.slice(copiedTo));
  return parts.join('');
}

/** Index of the bracket closing the container opened at `start`, or -1. */
function containerEnd(text: string, start: number): number {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(text, i);
      if (end === -1) return -1;
      i = end;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) depth++;
    else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/** What is wrong with a parsed value's structure, at which path; `undefined` when nothing is. */
export interface StructureProblem {
  path: string;
  message: string;
}

/** Keys that would reach an object's prototype if ever merged; refused anywhere in a payload. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * The first structural problem of a parsed value, searched iteratively (deep input cannot overflow
 * the stack): a forbidden key, nesting deeper than `maxDepth` (the value itself is level 1), a part
 * pruned by `pruneDeepJson`, or a number JSON cannot carry back (`1e400` parses to Infinity).
 */
export function structureProblem(value: unknown, maxDepth = MAX_NESTING_DEPTH): StructureProblem | undefined {
  const tooDeep = { message: `nests deeper than ${maxDepth} levels (the limit, as DynamoDB's)` };
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value, path: '', depth: 1 }];
  while (stack.length > 0) {
    const { value: current, path, depth } = stack.pop() as { value: unknown; path: string; depth: number };
    if (current === TOO_DEEP_MARKER) return { path: path || '(event)', ...tooDeep };
    if (typeof current === 'number' && !Number.isFinite(current)) return { path: path || '(event)', message: 'is a number too large to represent' };
    if (current === null || typeof current !== 'object') continue;
    if (depth > maxDepth) return { path: path || '(event)', ...tooDeep };
    if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) stack.push({ value: current[i], path: `${path}[${i}]`, depth: depth + 1 });
      continue;
    }
    for (const key of Object.keys(current)) {
      const childPath = path === '' ? key : `${path}.${key}`;
      if (FORBIDDEN_KEYS.has(key)) return { path: childPath, message: 'forbidden key (__proto__, constructor and prototype are refused)' };
      stack.push({ value: (current as Record<string, unknown>)[key], path: childPath, depth: depth + 1 });
    }
  }
  return undefined;
}
