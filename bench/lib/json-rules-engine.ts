/**
 * json-rules-engine given rules equivalent to ours, for the rules bench's comparison column: its events/s on the same
 * events, and ours as a multiple of it.
 */
import { Engine } from 'json-rules-engine';
import type { Condition, EngineEvent, Rule, RuleSet } from '../../lambdas/core/index.js';

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

const JRE_OP: Partial<Record<NonNullable<Condition['op']>, string>> = {
  equals: 'equal',
  not_equals: 'notEqual',
  in: 'in',
  not_in: 'notIn',
  gt: 'greaterThan',
  gte: 'greaterThanInclusive',
  lt: 'lessThan',
  lte: 'lessThanInclusive',
  prefix: 'startsWith',
  suffix: 'endsWith',
  contains: 'stringContains',
  equals_ignore_case: 'equalsIgnoreCase',
};
/** json-rules-engine given the same rules (type as a condition: it has no index); `undefined` when a rule has no equivalent. */
function jsonRulesEngine(rules: readonly Rule[]): Engine | undefined {
  const engine = new Engine([], { allowUndefinedFacts: true });
  engine.addOperator('startsWith', (a: unknown, b: string) => typeof a === 'string' && a.startsWith(b));
  engine.addOperator('endsWith', (a: unknown, b: string) => typeof a === 'string' && a.endsWith(b));
  engine.addOperator('stringContains', (a: unknown, b: string) => typeof a === 'string' && a.includes(b));
  engine.addOperator('equalsIgnoreCase', (a: unknown, b: string) => typeof a === 'string' && a.toLowerCase() === b.toLowerCase());
  for (const r of rules) {
    if (r.pattern !== undefined) return undefined;
    const all: Record<string, unknown>[] = r.eventType === '*' ? [] : [{ fact: 'type', operator: 'equal', value: r.eventType }];
    for (const cond of r.conditions) {
      const envelope = cond.field.startsWith('$.');
      const fact = { fact: envelope ? cond.field.slice(2) : 'data', ...(envelope ? {} : { path: `$.${cond.field}` }) };
      const op = cond.op ?? 'equals';
      if (op === 'between') {
        const [low, high] = cond.value as [number, number];
        all.push({ ...fact, operator: 'greaterThanInclusive', value: low }, { ...fact, operator: 'lessThanInclusive', value: high });
      } else if (JRE_OP[op] !== undefined) all.push({ ...fact, operator: JRE_OP[op], value: cond.value });
      else return undefined;
    }
    engine.addRule({ conditions: { all: all as never }, event: { type: r.id } });
  }
  return engine;
}

/**
 * json-rules-engine on the same rules: its events/s, and ours as a multiple of it. Every event it
 * handles is also routed by ours, and the number of rules fired must agree (the rules are equivalent).
 */
export async function versusJre(rules: Rule[], ruleSet: RuleSet, events: readonly EngineEvent[], ms: number, ours: number, text?: readonly string[]): Promise<string> {
  const jre = jsonRulesEngine(rules);
  if (jre === undefined) return '— (no equivalent)';
  let same = true;
  let count = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    const i = count++ % events.length;
    const input = text === undefined ? events[i] : JSON.parse(text[i] as string);
    same &&= (await jre.run(input as Record<string, unknown>)).events.length === ruleSet.route(events[i] as EngineEvent).length;
  }
  const rate = (count * 1000) / (performance.now() - start);
  return `${fmt(rate)} (×${Math.round(ours / rate)})${same ? '' : ' — NOT the same matches'}`;
}
