/**
 * The rules API reads JSON documents with its own located reader (json-nodes.ts); rule files are read as YAML. JSON is
 * YAML, so the same text can go through both: what each reports — messages, JSON paths, lines and columns — must agree.
 */
import { LineCounter, parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';
import { MAX_PATTERN_DEPTH } from '../../../lambdas/core/pattern/index.js';
import { MAX_JSON_DEPTH, readJsonNodes } from '../../../lambdas/core/rules/json-nodes.js';
import { readRule } from '../../../lambdas/core/rules/read-rule.js';
import { InvalidRuleError, readRuleDocument, readRuleNodes } from '../../../lambdas/core/rules/rule-document.js';
import { NodeReader, UnreadableValueError, type SourceNode } from '../../../lambdas/core/rules/yaml-nodes.js';
import { yamlSyntax } from '../../../lambdas/core/rules/yaml-syntax.js';
import { BAD_DOCUMENTS, GOOD_DOCUMENTS, layouts, WORKFLOWS } from './rule-document-table.js';

const context = { workflows: WORKFLOWS };

/** A text's nodes as the YAML reader has them, and a reader over them. */
function asYaml(text: string): { r: NodeReader; root: SourceNode | null } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  expect(doc.errors).toEqual([]);
  return { r: new NodeReader('(rule)', yamlSyntax(doc, lineCounter)), root: doc.contents as SourceNode | null };
}

/** A text's nodes as the JSON reader has them, and a reader over them. */
function asJson(text: string): { r: NodeReader; root: SourceNode | null } {
  const { root, syntax } = readJsonNodes(text);
  return { r: new NodeReader('(rule)', syntax), root };
}

/** The rule and document read, or the error's message and details. */
function outcome(read: () => unknown): unknown {
  try {
    return read();
  } catch (error) {
    if (error instanceof InvalidRuleError) return { message: error.message, details: error.details };
    throw error;
  }
}

/** What `readRule` records for a text's root, read as `as` has it: every issue with its line and column, and the rule. */
function issuesAndRule(text: string, as: typeof asYaml): unknown {
  const { r, root } = as(text);
  let rule: unknown;
  try {
    rule = readRule(r, root, root ?? {}, '(rule)', { required: false, generate: () => 'vip' });
  } catch (error) {
    if (!(error instanceof UnreadableValueError)) throw error;
  }
  return { issues: r.issues, rule };
}

// The YAML parser runs out of stack on this one (it answered "Maximum call stack size exceeded"); see below.
const beyondYaml = new Set(['a pattern deeper than the matcher allows']);
const [compact, indented] = [0, 1];

describe('rule documents read as JSON and as YAML', () => {
  it.each(BAD_DOCUMENTS.filter(([name]) => !beyondYaml.has(name)))('report alike: %s', (_name, document) => {
    for (const text of [layouts(document)[compact], layouts(document)[indented]] as string[]) {
      const json = outcome(() => readRuleDocument('vip', text, context));

      expect(json).toHaveProperty('details');
      expect(json).toEqual(
        outcome(() => {
          const { r, root } = asYaml(text);
          return readRuleNodes('vip', r, root, context);
        }),
      );
      expect(issuesAndRule(text, asJson)).toEqual(issuesAndRule(text, asYaml));
    }
  });

  it.each(GOOD_DOCUMENTS)('read to the same rule and document: %s', (_name, document) => {
    for (const text of [layouts(document)[compact], layouts(document)[indented]] as string[]) {
      const json = readRuleDocument('vip', text, context);
      const { r, root } = asYaml(text);

      expect(json).toEqual(readRuleNodes('vip', r, root, context));
      expect(json.document).toEqual({ id: 'vip', ...JSON.parse(text) });
      // Each key's place, as the rule's location keeps it, is the same too.
      expect(issuesAndRule(text, asJson)).toEqual(issuesAndRule(text, asYaml));
    }
  });

  it('report the same whatever the layout (tabs, CRLF and blank lines: JSON that YAML refuses as indentation)', () => {
    // The deep pattern laid out with tabs is over the size limit.
    for (const [, document] of [...BAD_DOCUMENTS, ...GOOD_DOCUMENTS].filter(([name]) => !beyondYaml.has(name))) {
      const [plain, , spaced] = layouts(document) as [string, string, string];

      expect(outcome(() => readRuleDocument('vip', spaced, context))).toEqual(outcome(() => readRuleDocument('vip', plain, context)));
    }
  });
});

describe('rule documents the JSON reader refuses', () => {
  it('names the pattern path of a pattern deeper than the matcher allows (YAML ran out of stack on it)', () => {
    const document = BAD_DOCUMENTS.find(([name]) => beyondYaml.has(name))?.[1];

    const error = outcome(() => readRuleDocument('vip', JSON.stringify(document), context)) as { details: Array<{ path: string; message: string }> };

    expect(error.details).toEqual([{ path: `pattern${'.a'.repeat(MAX_PATTERN_DEPTH)}`, message: `pattern is nested deeper than ${MAX_PATTERN_DEPTH} levels` }]);
  });

  it('answers bad JSON with one (body) problem naming what is wrong and where', () => {
    expect(outcome(() => readRuleDocument('vip', '{\n  "eventType": "a",\n  "workflow": order_workflow\n}', context))).toEqual({
      message: 'Invalid rule: (body): expected a JSON value, got "o" (line 3, column 15)',
      details: [{ path: '(body)', message: 'expected a JSON value, got "o" (line 3, column 15)' }],
    });
  });

  it('refuses a key given twice, as rule files do', () => {
    expect(outcome(() => readRuleDocument('vip', '{"eventType": "a", "workflow": "order_workflow", "eventType": "b"}', context))).toMatchObject({
      details: [{ path: '(body)', message: 'the key "eventType" is given twice in one object (line 1, column 50)' }],
    });
  });

  it(`refuses a body nested deeper than ${MAX_JSON_DEPTH} levels before reading it`, () => {
    const body = `{"eventType": "a", "workflow": "order_workflow", "data": ${'['.repeat(20_000)}${']'.repeat(20_000)}}`;

    expect(outcome(() => readRuleDocument('vip', body, context))).toMatchObject({
      details: [{ path: '(body)', message: expect.stringMatching(new RegExp(`^nested deeper than ${MAX_JSON_DEPTH} levels \\(line 1, column \\d+\\)$`)) }],
    });
  });

  it('keeps a __proto__ key of a pattern as an ordinary key of the stored document', () => {
    const { document, rule } = readRuleDocument('vip', '{"eventType": "a", "workflow": "order_workflow", "pattern": {"data": {"__proto__": ["x"]}}}', context);

    expect(Object.hasOwn((document.pattern as { data: object }).data, '__proto__')).toBe(true);
    expect(rule.pattern).toEqual(JSON.parse('{"data": {"__proto__": ["x"]}}'));
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});
