import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonSyntaxError, jsonValue, MAX_JSON_DEPTH, readJsonNodes } from '../../../lambdas/core/rules/json-nodes.js';
import type { MapNode, SeqNode, SourceNode } from '../../../lambdas/core/rules/yaml-nodes.js';

/** What `JSON.parse` makes of a text, or `refused`. */
function viaJsonParse(text: string): { value: unknown } | 'refused' {
  try {
    return { value: JSON.parse(text) };
  } catch {
    return 'refused';
  }
}

/** What the reader makes of a text, or the error it refuses it with. */
function viaReader(text: string): { value: unknown } | JsonSyntaxError {
  try {
    return { value: jsonValue(readJsonNodes(text).root) };
  } catch (error) {
    if (error instanceof JsonSyntaxError) return error;
    throw error;
  }
}

/** The reader accepts what `JSON.parse` accepts, with the same value; it refuses the rest, and a key given twice. */
function agreesWithJsonParse(text: string): void {
  const expected = viaJsonParse(text);
  const actual = viaReader(text);
  if (actual instanceof JsonSyntaxError && expected !== 'refused') expect(actual.reason).toMatch(/^the key .* is given twice in one object$/);
  else if (expected === 'refused') expect(actual).toBeInstanceOf(JsonSyntaxError);
  else expect(actual).toEqual(expected);
}

const refusal = (text: string): JsonSyntaxError => {
  const answer = viaReader(text);
  if (answer instanceof JsonSyntaxError) return answer;
  throw new Error(`expected ${JSON.stringify(text)} to be refused`);
};

describe('readJsonNodes', () => {
  it('reads every JSON value as JSON.parse does, compact or indented', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        for (const text of [JSON.stringify(value), JSON.stringify(value, null, 2), JSON.stringify(value, null, '\t')]) {
          expect(jsonValue(readJsonNodes(text).root)).toEqual(JSON.parse(text));
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('accepts and refuses as JSON.parse does for JSON texts with a character left out, doubled or put in', () => {
    const edit = fc.tuple(fc.json(), fc.nat(), fc.constantFrom('drop', 'double', 'insert'), fc.constantFrom(...'{}[]",:.-+eE0123456789 \t\n\\/ux'.split('')));
    fc.assert(
      fc.property(edit, ([text, at, how, char]) => {
        const i = text.length === 0 ? 0 : at % text.length;
        const edited =
          how === 'drop' ? text.slice(0, i) + text.slice(i + 1) : how === 'double' ? text.slice(0, i + 1) + text.slice(i) : text.slice(0, i) + char + text.slice(i);
        agreesWithJsonParse(edited);
      }),
      { numRuns: 3000 },
    );
  });

  it('accepts and refuses as JSON.parse does for any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (text) => agreesWithJsonParse(text)),
      { numRuns: 2000 },
    );
  });

  it('reads numbers, escapes and lone surrogates as JSON.parse does', () => {
    for (const text of ['-0', '1e400', '-1E-400', '0.1e+2', '123456789012345678901234567890', '"\\ud800x\\uDC00"', '"\\u00e9\\/\\b\\f\\n\\r\\t\\"\\\\"', '"é😀"']) {
      expect(jsonValue(readJsonNodes(text).root)).toEqual(JSON.parse(text));
    }
  });

  it('places each value where it starts: offset, line and column', () => {
    const text = '{\n  "id": "a",\n  "list": [1, {"b": null}]\n}';
    const { root, syntax } = readJsonNodes(text);
    const list = (root as MapNode).get('list', true) as SeqNode;
    const start = (node: unknown) => syntax.linePos((node as SourceNode).range?.[0] ?? -1);

    expect(root.range[0]).toBe(0);
    expect(start(list)).toEqual({ line: 3, col: 11 });
    expect(start(list.items[1])).toEqual({ line: 3, col: 15 });
    expect(start((root as MapNode).items[1]?.key)).toEqual({ line: 3, col: 3 });
  });
});

describe('readJsonNodes refuses bad JSON naming what and where', () => {
  it.each([
    ['', 'expected a JSON value, got the end of the text', 1, 1],
    ['{"a": }', 'expected a JSON value, got "}"', 1, 7],
    ['{"a": 1,}', 'expected a key in double quotes, got "}"', 1, 9],
    ['[1, 2,]', 'expected a JSON value, got "]"', 1, 7],
    ["{'a': 1}", `expected a key in double quotes, got "'"`, 1, 2],
    ['{"a" 1}', 'expected ":" after the key "a", got "1"', 1, 6],
    ['{"a": 1 "b": 2}', 'expected "," or "}" after the value of "a", got "\\""', 1, 9],
    ['[1 2]', 'expected "," or "]" after an item of an array, got "2"', 1, 4],
    ['{\n  "a": "unclosed\n}', 'a control character (U+000A) in a string must be escaped', 2, 17],
    ['"never closed', 'a string is not closed', 1, 1],
    ['"bad \\q escape"', 'unknown escape \\q in a string (JSON has \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)', 1, 6],
    ['"\\u12G4"', 'expected four hex digits after \\u, got "12G4"', 1, 2],
    ['{"a": 1} // a comment', 'unexpected "/" after the JSON value', 1, 10],
    ['NaN', 'expected a JSON value, got "N"', 1, 1],
    ['-', 'expected a number, got "-"', 1, 1],
    ['01', 'unexpected "1" after the JSON value', 1, 2],
    ['\ufeff{}', 'expected a JSON value, got "\ufeff"', 1, 1],
    ['{\n  "id": "a",\n  "id": "b"\n}', 'the key "id" is given twice in one object', 3, 3],
  ])('%j: %s (line %i, column %i)', (text, reason, line, column) => {
    const error = refusal(text);

    expect([error.reason, error.line, error.column]).toEqual([reason, line, column]);
    expect(error.message).toBe(`${reason} (line ${line}, column ${column})`);
  });
});

describe('readJsonNodes with hostile input', () => {
  const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

  it(`reads nesting ${MAX_JSON_DEPTH} deep and refuses one level more, where it starts`, () => {
    expect(jsonValue(readJsonNodes(nested(MAX_JSON_DEPTH)).root)).toEqual(JSON.parse(nested(MAX_JSON_DEPTH)));
    expect(refusal(nested(MAX_JSON_DEPTH + 1))).toMatchObject({ reason: `nested deeper than ${MAX_JSON_DEPTH} levels`, line: 1, column: MAX_JSON_DEPTH + 1 });
  });

  it('refuses a million levels of nesting with an error, not a stack overflow', () => {
    expect(refusal(`{"a": ${'['.repeat(1_000_000)}`).reason).toBe(`nested deeper than ${MAX_JSON_DEPTH} levels`);
    expect(refusal('{"a":'.repeat(1_000_000)).reason).toBe(`nested deeper than ${MAX_JSON_DEPTH} levels`);
  });

  it('reads a 10 MB string, and one of 1 MB of escapes, as JSON.parse does', () => {
    const plain = JSON.stringify({ s: 'x'.repeat(10_000_000) });
    const escaped = JSON.stringify(['\n\u0001"\\é'.repeat(200_000)]);

    expect(jsonValue(readJsonNodes(plain).root)).toEqual(JSON.parse(plain));
    expect(jsonValue(readJsonNodes(escaped).root)).toEqual(JSON.parse(escaped));
  });

  it('keeps __proto__ as an own key, as JSON.parse does, and pollutes no prototype', () => {
    const text = '{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}, "a": {"__proto__": []}}';
    const value = jsonValue(readJsonNodes(text).root) as Record<string, unknown>;

    expect(value).toEqual(JSON.parse(text));
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.hasOwn(value, '__proto__')).toBe(true);
    expect(Object.keys(value)).toEqual(['__proto__', 'constructor', 'a']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
