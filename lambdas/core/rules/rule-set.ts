/**
 * Compiles rules once into matchers and routes events through them.
 * Rules are indexed by event type so an event meets only its type's rules and the `"*"` rules
 * (and, within a type, by one field's value: see rule-index.ts); each rule's conditions and
 * pattern are compiled into the EventBridge pattern matcher.
 */
import type { EngineEvent } from '../envelope.js';
import { compilePattern } from '../pattern/index.js';
import { conditionPattern } from './conditions.js';
import { compileFieldReader } from './field-path.js';
import { FieldSlots } from './field-slots.js';
import { Candidates } from './flat-candidates.js';
import { compileKeyReader, compileRuleMatcher, equalityKeys, MatcherCache, SEVERAL, type EqualityKey, type Matcher } from './rule-index.js';

export { compileRuleMatcher } from './rule-index.js';
import type { Condition, RouteExplanation, Rule, RuleSet } from './types.js';

/** The rules one event type meets, with the equality index over one field when one pays. */
interface TypeRoute {
  /** Reads the indexed field; `undefined` when the type has no index. */
  readonly read: ((event: unknown) => unknown) | undefined;
  readonly byValue: Map<unknown, Candidates>;
  /** Rules that do not test the indexed field for equality (full matchers). */
  readonly unkeyed: Candidates;
  /** Every rule with its full matcher: for events that carry several values at the field. */
  readonly all: Candidates;
}

interface Entry {
  rule: Rule;
  full: Matcher;
  keys: EqualityKey[];
}

/** Past this many (value × rule) slots a type's index costs more memory than it saves time. */
const MAX_INDEX_SLOTS = 200_000;

/** Orders rules for firing: higher priority first, then by id. */
export const byPriorityThenId = (a: Rule, b: Rule): number => b.priority - a.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

const typesOf = (rule: Rule): readonly string[] => (Array.isArray(rule.eventType) ? rule.eventType : [rule.eventType]);
const matchesEveryType = (rule: Rule): boolean => typesOf(rule).includes('*');

function buildRoute(entries: readonly Entry[], readers: Map<string, (event: unknown) => unknown>, fields: FieldSlots): TypeRoute {
  const candidates = (items: ReadonlyArray<{ rule: Rule; matcher: Matcher }>): Candidates => new Candidates(items, fields);
  const all = candidates(entries.map((e) => ({ rule: e.rule, matcher: e.full })));
  const counts = new Map<string, number>();
  for (const entry of entries) for (const path of new Set(entry.keys.map((k) => k.path))) counts.set(path, (counts.get(path) ?? 0) + 1);
  let best: string | undefined;
  for (const [path, count] of counts) if (count >= 2 && (best === undefined || count > (counts.get(best) as number))) best = path;
  const plain: TypeRoute = { read: undefined, byValue: new Map(), unkeyed: all, all };
  if (best === undefined) return plain;
  const keyOf = (entry: Entry) => entry.keys.find((k) => k.path === best);
  const values = new Set(entries.flatMap((e) => keyOf(e)?.values ?? []));
  const unkeyedEntries = entries.filter((e) => keyOf(e) === undefined);
  if (values.size * (unkeyedEntries.length + 1) > MAX_INDEX_SLOTS) return plain;
  const residuals = new Map(entries.map((e) => [e, keyOf(e)?.residual()]));
  const byValue = new Map<unknown, Candidates>();
  for (const value of values) {
    const items = entries.flatMap((e) => {
      const key = keyOf(e);
      if (key === undefined) return [{ rule: e.rule, matcher: e.full }];
      return key.values.includes(value) ? [{ rule: e.rule, matcher: residuals.get(e) as Matcher }] : [];
    });
    byValue.set(value, candidates(items));
  }
  // One reader per path, shared by every type: the code an event runs stays in cache.
  let read = readers.get(best);
  if (read === undefined) readers.set(best, (read = compileKeyReader(best)));
  return { read, byValue, unkeyed: candidates(unkeyedEntries.map((e) => ({ rule: e.rule, matcher: e.full }))), all };
}

/**
 * Compiles rules for routing: disabled rules are dropped, the rest sorted by priority then id,
 * each compiled once, and indexed by event type (the `"*"` rules merged into every type's list),
 * then by the field most of a type's rules test for equality.
 * @example compileRules(parseRules(text, 'rules/onboarding.yaml')).route(event) // → the rules that fire
 */
export function compileRules(rules: readonly Rule[]): RuleSet {
  const sorted = rules.filter((r) => r.enabled).sort(byPriorityThenId);
  const cache = new MatcherCache();
  const entries: Entry[] = sorted.map((rule) => ({ rule, full: compileRuleMatcher(rule, cache), keys: equalityKeys(rule, cache) }));
  const order = new Map(entries.map((entry, i) => [entry, i]));
  const everyType = entries.filter((e) => matchesEveryType(e.rule));
  const byType = new Map<string, Entry[]>();
  for (const entry of entries) {
    if (matchesEveryType(entry.rule)) continue;
    for (const type of new Set(typesOf(entry.rule))) {
      const list = byType.get(type) ?? [];
      list.push(entry);
      byType.set(type, list);
    }
  }
  // Pre-merge each type's rules with the "*" rules, in firing order, so route() does no sorting.
  const index = new Map<string, TypeRoute>();
  const readers = new Map<string, (event: unknown) => unknown>();
  // The fields the rules read, shared by every type: the few paths a rule set reads stay in cache.
  const fields = new FieldSlots();
  for (const [type, list] of byType)
    index.set(
      type,
      buildRoute(
        [...list, ...everyType].sort((a, b) => (order.get(a) as number) - (order.get(b) as number)),
        readers,
        fields,
      ),
    );
  const fallback = buildRoute(everyType, readers, fields);
  // Events come in runs of one type: comparing with the last type spares hashing each event's fresh string.
  let lastType: string | undefined;
  let lastRoute = fallback;

  return {
    rules: sorted,
    disabled: new Set(rules.filter((r) => !r.enabled).map((r) => r.id)),
    route(event) {
      let route = lastRoute;
      if (event.type !== lastType) {
        route = index.get(event.type) ?? fallback;
        lastType = event.type;
        lastRoute = route;
      }
      let list = route.all;
      if (route.read !== undefined) {
        const value = route.read(event);
        list = value === undefined ? route.unkeyed : value === SEVERAL ? route.all : (route.byValue.get(value) ?? route.unkeyed);
      }
      return list.select(event);
    },
  };
}

/**
 * Why each rule of `ruleSet` fires, is cut by an earlier `stop` rule, or is skipped, in firing
 * order. Not the hot path: it compiles each condition on its own to say which one failed.
 */
export function explainRoute(ruleSet: RuleSet, event: EngineEvent): RouteExplanation[] {
  const firing = new Set(ruleSet.route(event));
  let stoppedBy: string | undefined;
  return ruleSet.rules.map((rule): RouteExplanation => {
    const { matched, reasons } = explainRule(rule, event);
    if (!matched) return { rule, outcome: 'skipped', reasons };
    if (stoppedBy !== undefined || !firing.has(rule)) {
      return { rule, outcome: 'cut', reasons: [...reasons, `cut by stop of ${stoppedBy ?? '(an earlier rule)'}`], cutBy: stoppedBy ?? '' };
    }
    if (rule.stop) stoppedBy = rule.id;
    return { rule, outcome: 'fired', reasons: rule.stop ? [...reasons, 'stop: no lower-priority rule fires'] : reasons };
  });
}

function explainRule(rule: Rule, event: EngineEvent): { matched: boolean; reasons: string[] } {
  const types = typesOf(rule);
  if (matchesEveryType(rule)) return explainBody(rule, event, ['eventType "*" matches every type']);
  if (!types.includes(event.type)) {
    return { matched: false, reasons: [`event type ${JSON.stringify(event.type)} is not ${types.map((t) => JSON.stringify(t)).join(' or ')}`] };
  }
  return explainBody(rule, event, [`eventType ${JSON.stringify(event.type)}`]);
}

function explainBody(rule: Rule, event: EngineEvent, reasons: string[]): { matched: boolean; reasons: string[] } {
  for (const condition of rule.conditions) {
    const holds = compilePattern(conditionPattern(condition)).matches(event);
    const text = `${describeCondition(condition)} (value: ${describeValue(compileFieldReader(condition.field)(event))})`;
    if (!holds) return { matched: false, reasons: [`condition failed: ${text}`] };
    reasons.push(text);
  }
  if (rule.pattern !== undefined) {
    if (!compilePattern(rule.pattern).matches(event)) return { matched: false, reasons: ['pattern does not match'] };
    reasons.push('pattern matches');
  }
  if (rule.conditions.length === 0 && rule.pattern === undefined) reasons.push('no conditions');
  return { matched: true, reasons };
}

/** `plan.seats gte 5`, `user_type equals "premium"`. */
export const describeCondition = (c: Condition): string => `${c.field} ${c.op ?? 'equals'} ${c.value === undefined ? 'true' : JSON.stringify(c.value)}`;

function describeValue(value: unknown): string {
  if (value === undefined) return 'absent';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
