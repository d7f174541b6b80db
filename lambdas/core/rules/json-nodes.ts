/**
 * A JSON reader that keeps where each value starts, in the node shape the rule readers take (yaml-nodes.ts): the rules
 * API checks a JSON rule document with the rule files' own reader, its errors located as theirs are, without the YAML
 * parser in its bundle. The values are `JSON.parse`'s; a key given twice is refused, as the YAML reader refuses it.
 */
import type { MapNode, NodeSyntax, PairNode, ScalarNode, SeqNode, SourceNode } from './yaml-nodes.js';

/**
 * The deepest nesting of objects and arrays read. A pattern may nest 1,000 levels (`MAX_PATTERN_DEPTH`), one level
 * below the rule; deeper text is refused before it is read, so nothing below recurses without bound.
 */
export const MAX_JSON_DEPTH = 1024;

/** The text is not JSON: `reason` says what was found where, `line` and `column` (1-based) where that is. */
export class JsonSyntaxError extends Error {
  override readonly name = 'JsonSyntaxError';

  constructor(
    readonly reason: string,
    readonly offset: number,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${reason} (line ${line}, column ${column})`);
  }
}

type Range = [start: number, valueEnd: number, nodeEnd: number];

class JsonScalar implements ScalarNode {
  constructor(
    readonly value: string | number | boolean | null,
    readonly range: Range,
  ) {}
}

class JsonPair implements PairNode {
  constructor(
    readonly key: JsonScalar,
    readonly value: JsonNode,
  ) {}
}

class JsonMap implements MapNode {
  readonly items: JsonPair[] = [];
  constructor(readonly range: Range) {}

  get(key: string): JsonNode | undefined {
    return this.items.find((pair) => pair.key.value === key)?.value;
  }
}

class JsonSeq implements SeqNode {
  readonly items: JsonNode[] = [];
  constructor(readonly range: Range) {}
}

/** A value of a JSON text, with the offset it starts at (`range[0]`). */
export type JsonNode = JsonScalar | JsonMap | JsonSeq;

/** A JSON text read into nodes, and the syntax the node readers need to read them (`new NodeReader(file, syntax)`). */
export interface JsonDocument {
  root: JsonNode;
  syntax: NodeSyntax;
}

/**
 * Reads a JSON text into located nodes, in one pass and without recursion.
 * @throws JsonSyntaxError naming the first problem and where it is: anything `JSON.parse` refuses, a key given twice
 *   in one object, nesting deeper than `maxDepth`.
 * @example readJsonNodes('{"id": "a"}').root
 */
export function readJsonNodes(text: string, maxDepth = MAX_JSON_DEPTH): JsonDocument {
  const lines = lineStarts(text);
  const root = new JsonNodeParser(text, maxDepth, lines).parse();
  return { root, syntax: jsonSyntax(lines) };
}

/** The plain value of a node, as `JSON.parse` gives it (a `__proto__` key is an own property). */
export function jsonValue(node: JsonNode): unknown {
  if (node instanceof JsonScalar) return node.value;
  if (node instanceof JsonSeq) return node.items.map(jsonValue);
  const value: Record<string, unknown> = {};
  for (const pair of node.items) {
    const key = pair.key.value as string;
    if (key === '__proto__') Object.defineProperty(value, key, { value: jsonValue(pair.value), enumerable: true, writable: true, configurable: true });
    else value[key] = jsonValue(pair.value);
  }
  return value;
}

function jsonSyntax(lines: LineStarts): NodeSyntax {
  return {
    isMap: (node): node is MapNode => node instanceof JsonMap,
    isSeq: (node): node is SeqNode => node instanceof JsonSeq,
    isScalar: (node): node is ScalarNode => node instanceof JsonScalar,
    deref: (node) => (node as SourceNode | null | undefined) ?? null,
    toJS: (node) => jsonValue(node as JsonNode),
    linePos: (offset) => lines.linePos(offset),
  };
}

interface LineStarts {
  linePos(offset: number): { line: number; col: number };
}

/** Lines start at 0 and after every line feed (as YAML's line counter has them, so both readers place a node alike). */
function lineStarts(text: string): LineStarts {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return {
    linePos(offset) {
      let low = 0;
      let high = starts.length - 1;
      while (low < high) {
        const mid = (low + high + 1) >> 1;
        if ((starts[mid] as number) <= offset) low = mid;
        else high = mid - 1;
      }
      return { line: low + 1, col: offset - (starts[low] as number) + 1 };
    },
  };
}

/** An open object (with the key its next value goes under) or array. */
type Frame = { node: JsonMap; key: JsonScalar | undefined; keys: Set<string> } | { node: JsonSeq; key?: undefined; keys?: undefined };

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const HEX4 = /^[0-9a-fA-F]{4}$/;
const ESCAPES: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

class JsonNodeParser {
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
    private readonly lines: LineStarts,
  ) {}

  parse(): JsonNode {
    const stack: Frame[] = [];
    for (;;) {
      this.skipSpace();
      const start = this.pos;
      const c = this.text[start];
      let done: JsonNode;
      if (c === '{' || c === '[') {
        if (stack.length >= this.maxDepth) this.fail(start, `nested deeper than ${this.maxDepth} levels`);
        this.pos++;
        this.skipSpace();
        const range: Range = [start, start, start];
        if (this.text[this.pos] === (c === '{' ? '}' : ']')) {
          this.pos++;
          done = c === '{' ? new JsonMap(range) : new JsonSeq(range);
          range[1] = range[2] = this.pos;
        } else if (c === '{') {
          const frame: Frame = { node: new JsonMap(range), key: undefined, keys: new Set() };
          stack.push(frame);
          this.readKey(frame);
          continue;
        } else {
          stack.push({ node: new JsonSeq(range) });
          continue;
        }
      } else done = this.readScalar();

      // A whole value: it goes into the innermost open container, which may close in turn.
      for (;;) {
        const frame = stack.at(-1);
        if (frame === undefined) {
          this.skipSpace();
          if (this.pos < this.text.length) this.fail(this.pos, `unexpected ${this.found(this.pos)} after the JSON value`);
          return done;
        }
        if (frame.keys === undefined) frame.node.items.push(done);
        else frame.node.items.push(new JsonPair(frame.key as JsonScalar, done));
        this.skipSpace();
        const next = this.text[this.pos];
        if (next === ',') {
          this.pos++;
          if (frame.keys !== undefined) this.readKey(frame);
          break;
        }
        const close = frame.keys === undefined ? ']' : '}';
        const after = frame.keys === undefined ? 'an item of an array' : `the value of ${JSON.stringify(frame.key?.value)}`;
        if (next !== close) this.fail(this.pos, `expected "," or "${close}" after ${after}, got ${this.found(this.pos)}`);
        this.pos++;
        frame.node.range[1] = frame.node.range[2] = this.pos;
        stack.pop();
        done = frame.node;
      }
    }
  }

  /** An object's key and its colon; a key given twice is refused at its second place. */
  private readKey(frame: Frame & { keys: Set<string> }): void {
    this.skipSpace();
    const start = this.pos;
    if (this.text[start] !== '"') this.fail(start, `expected a key in double quotes, got ${this.found(start)}`);
    const key = this.readString();
    if (frame.keys.has(key)) this.fail(start, `the key ${JSON.stringify(key)} is given twice in one object`);
    frame.keys.add(key);
    frame.key = new JsonScalar(key, [start, this.pos, this.pos]);
    this.skipSpace();
    if (this.text[this.pos] !== ':') this.fail(this.pos, `expected ":" after the key ${JSON.stringify(key)}, got ${this.found(this.pos)}`);
    this.pos++;
  }

  private readScalar(): JsonScalar {
    const start = this.pos;
    const c = this.text[start];
    let value: string | number | boolean | null;
    if (c === '"') value = this.readString();
    else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      NUMBER.lastIndex = start;
      const match = NUMBER.exec(this.text);
      if (match === null) this.fail(start, `expected a number, got ${this.found(start)}`);
      value = Number(match[0]);
      this.pos = NUMBER.lastIndex;
    } else {
      const literal = (['true', 'false', 'null'] as const).find((word) => this.text.startsWith(word, start));
      if (literal === undefined) this.fail(start, `expected a JSON value, got ${this.found(start)}`);
      value = literal === 'null' ? null : literal === 'true';
      this.pos += literal.length;
    }
    return new JsonScalar(value, [start, this.pos, this.pos]);
  }

  /** The string starting at `pos` (its opening quote), escapes decoded; copies runs between escapes, so it is linear. */
  private readString(): string {
    const text = this.text;
    const opening = this.pos;
    let out = '';
    let run = opening + 1;
    for (let i = run; ; ) {
      if (i >= text.length) this.fail(opening, 'a string is not closed');
      const code = text.charCodeAt(i);
      if (code === 0x22) {
        this.pos = i + 1;
        return out + text.slice(run, i);
      }
      if (code === 0x5c) {
        out += text.slice(run, i);
        const kind = text[i + 1];
        if (kind === 'u') {
          const hex = text.slice(i + 2, i + 6);
          if (!HEX4.test(hex)) this.fail(i, `expected four hex digits after \\u, got ${JSON.stringify(hex)}`);
          out += String.fromCharCode(Number.parseInt(hex, 16));
          i += 6;
        } else {
          if (kind === undefined) this.fail(opening, 'a string is not closed');
          const decoded = ESCAPES[kind];
          if (decoded === undefined)
            this.fail(i, `unknown escape \\${kind >= ' ' ? kind : JSON.stringify(kind)} in a string (JSON has \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)`);
          out += decoded;
          i += 2;
        }
        run = i;
        continue;
      }
      if (code < 0x20) this.fail(i, `a control character (U+${code.toString(16).toUpperCase().padStart(4, '0')}) in a string must be escaped`);
      i++;
    }
  }

  private skipSpace(): void {
    const text = this.text;
    let i = this.pos;
    for (let c = text.charCodeAt(i); c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09; c = text.charCodeAt(++i));
    this.pos = i;
  }

  private found(offset: number): string {
    return offset >= this.text.length ? 'the end of the text' : JSON.stringify(this.text.slice(offset, offset + 1));
  }

  private fail(offset: number, reason: string): never {
    const { line, col } = this.lines.linePos(offset);
    throw new JsonSyntaxError(reason, offset, line, col);
  }
}
