/**
 * Candidate rules evaluated field by field. Most rules are plain conjunctions of leaves
 * (`data.properties.STREET` equals …, `data.properties.AREA` between …), and a type's rules test the
 * same few fields over and over: each field is read from the event once per event, however many
 * rules test it, and each rule then runs only its leaf tests (a rule with `$or` as a few groups of
 * them). An event with an array on a rule's path is matched by the rule's compiled pattern instead,
 * so answers never change.
 */
import { MAX_LEAF_GROUPS, type PatternLeaf, type ValueTest } from '../pattern/index.js';
import { answersFor, EVENT, type FieldSlots, MEMO_MIN_RULES, SEVERAL, type SlotMemo, step } from './field-slots.js';
import type { Rule } from './types.js';

/** What routing calls per candidate rule; `groups` (see compileLeafGroups) when it has them. */
export interface Matcher {
  matches(event: unknown): boolean;
  readonly groups?: ReadonlyArray<readonly PatternLeaf[]>;
}

/** The groups of a conjunction of matchers (a rule's conditions and its pattern): their product. */
export function groupsOfAll(matchers: readonly Matcher[]): Matcher['groups'] {
  let groups: Array<readonly PatternLeaf[]> = [[]];
  for (const matcher of matchers) {
    if (matcher.groups === undefined || groups.length * matcher.groups.length > MAX_LEAF_GROUPS) return undefined;
    groups = groups.flatMap((group) => (matcher.groups as ReadonlyArray<readonly PatternLeaf[]>).map((other) => [...group, ...other]));
  }
  return groups;
}

// A candidate list is one Int32Array (see Candidates): per rule, RULE ints from 0, then per group
// its leaves' range, per leaf its slot, per slot read its number and memo. One array keeps what an event
// touches in a few cache lines however many types a rule set has.
const RULE = 6;
/** The rule's one leaf when it is one group of one leaf (most rules); `-1` otherwise. */
const SINGLE = 0;
/** The rule's groups, `[FIRST_GROUP, END_GROUP)`; `FIRST_GROUP` is `-1` for a rule matched whole. */
const FIRST_GROUP = 1;
const END_GROUP = 2;
/** The memo (see SlotMemo) holding the rule's answer and its place in it; `-1` when not remembered. */
const MEMO = 3;
const MEMO_AT = 4;
/** 1 for a `stop` rule. */
const STOP = 5;

type StringTest = (value: string) => boolean;

/** One candidate list in firing order, as one flat array for a tight loop. */
export class Candidates {
  readonly rules: Rule[];
  readonly #matchers: Matcher[];
  readonly #code: Int32Array;
  /** Where the groups (two ints each), the leaves (one) and the slots read (two: slot, memo) start in `#code`. */
  readonly #groupsAt: number;
  readonly #leavesAt: number;
  readonly #usedAt: number;
  /** Per leaf `k`, its test at `2k` and its test of a string value at `2k + 1` (see PatternLeaf). */
  readonly #tests: Array<ValueTest | StringTest> = [];
  readonly #fields: FieldSlots;
  /** The answers of single-leaf rules remembered per value (see SlotMemo), and each one's answers for the current event. */
  readonly #memos: SlotMemo[] = [];
  readonly #now: Array<Uint8Array | null> = [];

  constructor(items: ReadonlyArray<{ rule: Rule; matcher: Matcher }>, fields: FieldSlots) {
    this.rules = items.map((i) => i.rule);
    this.#matchers = items.map((i) => i.matcher);
    this.#fields = fields;
    const perRule: number[] = [];
    const groups: number[] = [];
    const slots: number[] = [];
    for (const { rule, matcher } of items) {
      const stop = rule.stop ? 1 : 0;
      if (matcher.groups === undefined) {
        perRule.push(-1, -1, -1, -1, -1, stop);
        continue;
      }
      const first = groups.length / 2;
      for (const group of matcher.groups) {
        groups.push(slots.length);
        for (const leaf of group) {
          slots.push(fields.slot(leaf.segments));
          this.#tests.push(leaf.test, leaf.onString);
        }
        groups.push(slots.length);
      }
      const single = matcher.groups.length === 1 && groups[2 * first + 1] === (groups[2 * first] as number) + 1 ? (groups[2 * first] as number) : -1;
      perRule.push(single, first, groups.length / 2, -1, -1, stop);
    }
    // Fields that many rules test alone (a street, a state, a tier) take few values: their answers are remembered per value.
    const bySlot = new Map<number, number[]>();
    for (let i = 0; i < items.length; i++) {
      const single = perRule[i * RULE + SINGLE] as number;
      if (single < 0) continue;
      const list = bySlot.get(slots[single] as number);
      if (list === undefined) bySlot.set(slots[single] as number, [i]);
      else list.push(i);
    }
    const memoOf = new Map<number, number>();
    for (const [slot, rules] of bySlot) {
      if (rules.length < MEMO_MIN_RULES) continue;
      memoOf.set(slot, this.#memos.length);
      rules.forEach((i, at) => {
        perRule[i * RULE + MEMO] = this.#memos.length;
        perRule[i * RULE + MEMO_AT] = at;
      });
      this.#memos.push({
        tests: rules.map((i) => this.#tests[2 * (perRule[i * RULE + SINGLE] as number) + 1] as StringTest),
        answers: new Map(),
        scratch: new Uint8Array(rules.length),
        misses: 0,
        resting: 0,
      });
      this.#now.push(null);
    }
    const used = [...new Set(slots.flatMap((slot) => fields.withNodes(slot)))].sort((x, y) => x - y);
    this.#groupsAt = perRule.length;
    this.#leavesAt = this.#groupsAt + groups.length;
    this.#usedAt = this.#leavesAt + slots.length;
    this.#code = Int32Array.from([...perRule, ...groups, ...slots, ...used.flatMap((slot) => [slot, memoOf.get(slot) ?? -1])]);
  }

  /**
   * Reads the list's fields for the event, and the remembered answers for their values; whether a
   * value crosses an array.
   */
  #read(event: unknown): boolean {
    const { parents, keys, nodes, values } = this.#fields;
    const code = this.#code;
    let several = false;
    for (let u = this.#usedAt; u < code.length; u += 2) {
      const slot = code[u] as number;
      const parent = parents[slot] as number;
      const value = step(parent === EVENT ? event : values[parent], keys[slot] as string, nodes[slot] as boolean);
      values[slot] = value;
      if (value === SEVERAL) several = true;
      const memo = code[u + 1] as number;
      if (memo >= 0) this.#now[memo] = typeof value === 'string' ? answersFor(this.#memos[memo] as SlotMemo, value) : null;
    }
    return several;
  }

  /** The rules that fire for `event`, cut after the first firing `stop` rule. */
  select(event: unknown): Rule[] {
    const fired: Rule[] = [];
    const code = this.#code;
    const tests = this.#tests;
    const groupsAt = this.#groupsAt;
    const leavesAt = this.#leavesAt;
    // A value that crosses an array sends its rules to their compiled patterns (checked per leaf below).
    const several = this.#read(event);
    const { values } = this.#fields;
    const now = this.#now;
    const count = this.rules.length;
    for (let i = 0, r = 0; i < count; i++, r += RULE) {
      let ok = false;
      const single = code[r + SINGLE] as number;
      const firstGroup = code[r + FIRST_GROUP] as number;
      if (single >= 0 && !several) {
        const memo = code[r + MEMO] as number;
        const answers = memo >= 0 ? now[memo] : null;
        if (answers != null) ok = answers[code[r + MEMO_AT] as number] === 1;
        else {
          const value = values[code[leavesAt + single] as number];
          ok = typeof value === 'string' ? (tests[2 * single + 1] as StringTest)(value) : (tests[2 * single] as ValueTest)(value);
        }
      } else if (firstGroup < 0) ok = (this.#matchers[i] as Matcher).matches(event);
      else {
        const endGroup = code[r + END_GROUP] as number;
        groups: for (let g = groupsAt + 2 * firstGroup; g < groupsAt + 2 * endGroup; g += 2) {
          const end = code[g + 1] as number;
          for (let k = code[g] as number; k < end; k++) {
            const value = values[code[leavesAt + k] as number];
            if (value === SEVERAL) {
              ok = (this.#matchers[i] as Matcher).matches(event);
              break groups;
            }
            if (!(typeof value === 'string' ? (tests[2 * k + 1] as StringTest)(value) : (tests[2 * k] as ValueTest)(value))) continue groups;
          }
          ok = true;
          break;
        }
      }
      if (!ok) continue;
      fired.push(this.rules[i] as Rule);
      if (code[r + STOP] === 1) break;
    }
    return fired;
  }
}
