/**
 * Compiles rules once into matchers and routes events through them.
 * Rules are indexed by event type so an event meets only its type's rules and the `"*"` rules.
 */
import type { EngineEvent } from '../envelope.js';
import { compileFieldReader } from './field-path.js';
import type { Condition, Rule, RuleSet } from './types.js';

type Matcher = (event: EngineEvent) => boolean;

interface CompiledRule {
  rule: Rule;
  matches: Matcher;
  order: number;
}

/** Orders rules for firing: higher priority first, then by id. */
export const byPriorityThenId = (a: Rule, b: Rule): number => b.priority - a.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export function compileRules(rules: readonly Rule[]): RuleSet {
  const sorted = [...rules].filter((r) => r.enabled).sort(byPriorityThenId);
  const compiled: CompiledRule[] = sorted.map((rule, order) => ({ rule, matches: compileConditions(rule.conditions), order }));
  const byType = new Map<string, CompiledRule[]>();
  const wildcard: CompiledRule[] = [];
  for (const entry of compiled) {
    const types = Array.isArray(entry.rule.eventType) ? entry.rule.eventType : [entry.rule.eventType];
    if (types.includes('*')) {
      wildcard.push(entry);
      continue;
    }
    for (const type of new Set(types)) {
      const list = byType.get(type) ?? [];
      list.push(entry);
      byType.set(type, list);
    }
  }
  // Pre-merge each type's rules with the wildcard rules, in firing order, so route() does no sorting.
  const candidates = new Map<string, CompiledRule[]>();
  for (const [type, list] of byType) candidates.set(type, [...list, ...wildcard].sort((a, b) => a.order - b.order));

  return {
    rules: sorted,
    route(event) {
      const list = candidates.get(event.type) ?? wildcard;
      const fired: Rule[] = [];
      for (const entry of list) {
        if (!entry.matches(event)) continue;
        fired.push(entry.rule);
        if (entry.rule.stop) break;
      }
      return fired;
    },
  };
}

function compileConditions(conditions: readonly Condition[]): Matcher {
  const checks = conditions.map(compileCondition);
  return (event) => {
    for (const check of checks) if (!check(event)) return false;
    return true;
  };
}

function compileCondition(condition: Condition): Matcher {
  const read = compileFieldReader(condition.field);
  const expected = condition.value;
  switch (condition.op ?? 'equals') {
    case 'equals':
      return (event) => read(event) === expected;
    case 'not_equals':
      return (event) => read(event) !== expected;
    case 'exists':
      return (event) => (read(event) !== undefined) === (expected !== false);
    default:
      throw new Error(`operator ${condition.op} is not supported yet`);
  }
}
