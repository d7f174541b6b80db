import { describe, expect, it } from 'vitest';
import { compileRules, parseRules } from '../../../lambdas/core/index.js';
import { InvalidPatternError } from '../../../lambdas/core/pattern/index.js';
import { event, issuesOf, rule, when, yaml } from './helpers.js';

const deepPattern = (depth: number): Record<string, unknown> => {
  let node: unknown = ['x'];
  for (let i = 0; i < depth; i++) node = { a: node };
  return node as Record<string, unknown>;
};
const oneRule = (...lines: string[]) => yaml('rules:', '  - id: r', '    eventType: t', '    workflow: w', ...lines.map((l) => `    ${l}`));

describe('hostile rules and events', () => {
  it('refuses a condition on __proto__ with a clear error', () => {
    const issues = issuesOf(oneRule('conditions:', '  - field: __proto__', '    value: 1'));

    expect(issues).toEqual([expect.objectContaining({ line: 6, column: 16, message: expect.stringMatching(/"__proto__" cannot be a field name/) })]);
  });

  it('refuses a 1,000-deep pattern in a rules file with an error, not a crash', () => {
    const flow = JSON.stringify(deepPattern(1000));

    const issues = issuesOf(oneRule(`pattern: ${flow}`));

    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ file: 'rules/test.yaml', line: 5 });
    expect(issues[0]?.message).toMatch(/nest/);
  });

  it('refuses a pattern deeper than the matcher allows when given in code', () => {
    expect(() => compileRules([rule({ pattern: deepPattern(1001) })])).toThrow(InvalidPatternError);
  });

  it('stops at a YAML alias bomb with a located error', () => {
    const bomb = ['  a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 10; i++)
      bomb.push(
        `  a${i}: &a${i} [${Array(10)
          .fill(`*a${i - 1}`)
          .join(', ')}]`,
      );
    const started = Date.now();

    const issues = issuesOf(yaml('rules:', '  - id: r', '    eventType: t', '    workflow: w', '    pattern:', '      data:', ...bomb.map((l) => `      ${l}`)));

    expect(Date.now() - started).toBeLessThan(2_000);
    expect(issues.some((i) => /resource exhaustion/.test(i.message))).toBe(true);
  });

  it('matches a 4 KB wildcard against a 200 KB value quickly', () => {
    // 4 KB: EventBridge's largest pattern. "x" first: a run of one letter right after a star is too complex.
    const big = `x${'b'.repeat(4_000)}`;
    const set = compileRules([when('s', 'wildcard', `a*${big}*c`)]);
    const started = Date.now();

    expect(set.route(event({ s: `a${'b'.repeat(100_000)}${big}${'b'.repeat(100_000)}c` }))).toHaveLength(1);
    expect(set.route(event({ s: `a${'b'.repeat(100_000)}x${'b'.repeat(3_999)}c` }))).toHaveLength(0);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('refuses a 100 KB wildcard as too long to measure, as EventBridge refuses a pattern that long', () => {
    expect(() => compileRules([when('s', 'wildcard', `a*x${'b'.repeat(100_000)}*c`)])).toThrow(/data\.s: wildcard values too long to measure/);
  });

  it('treats __proto__ in a pattern as an ordinary field and pollutes nothing', () => {
    const [parsed] = parseRules(oneRule('pattern:', '  data:', '    __proto__: [polluted]'), 'r.yaml');
    const set = compileRules([parsed as never]);

    expect(set.route(event({}))).toEqual([]);
    expect(set.route(JSON.parse('{"id":"e","type":"t","source":"s","timestamp":"x","data":{"__proto__":"polluted"}}'))).toHaveLength(1);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('0');
  });

  it('routes an event with __proto__ and constructor keys without reaching the prototype', () => {
    const set = compileRules([when('user_type', 'equals', 'x', { eventType: 't' }), when('toString', 'exists', true, { id: 'inherited', eventType: 't' })]);
    const hostile = JSON.parse('{"id":"e","type":"t","source":"s","timestamp":"x","data":{"__proto__":{"user_type":"x"},"constructor":1}}');

    expect(set.route(hostile)).toEqual([]);
  });

  it('falls back to "*" rules for an event type that is not a string', () => {
    const set = compileRules([rule({ id: 'any', eventType: '*' }), rule({ id: 'typed', eventType: 'toString' })]);

    expect(set.route({ ...event(), type: 42 as never }).map((r) => r.id)).toEqual(['any']);
    expect(set.route({ ...event(), type: 'toString' }).map((r) => r.id)).toEqual(['any', 'typed']);
  });
});
