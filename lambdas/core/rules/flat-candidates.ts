/**
 * Candidate rules evaluated field by field. Most rules are plain conjunctions of leaves
 * (`data.properties.STREET` equals …, `data.properties.AREA` between …), and a type's rules test the
 * same few fields over and over: each field is read from the event once per event, however many
 * rules test it, and each rule then runs only its leaf tests (a rule with `$or` as a few groups of
 * them). An event with an array on a rule's path is matched by the rule's compiled pattern instead,
 * so answers never change.
 */
import { dottedChild, MAX_LEAF_GROUPS, type PatternLeaf, type ValueTest } from '../pattern/index.js';
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

/** Read from an event when the path crosses an array: the event may hold several values. */
export const SEVERAL = Symbol('several values');

/**
 * Reads a leaf's value: `undefined` when absent (or under a non-object), `SEVERAL` when an object on
 * the way is an array. Like the compiled pattern, it reads own properties only and finds an absent
 * object spelled with dotted keys.
 */
export function compilePathReader(segments: readonly string[]): (event: unknown) => unknown {
  const count = segments.length;
  return (event) => {
    let current: unknown = event;
    for (let i = 0; i < count; i++) {
      if (typeof current !== 'object' || current === null) return undefined;
      if (Array.isArray(current)) return SEVERAL;
      const key = segments[i] as string;
      const value = (current as Record<string, unknown>)[key];
      // One load for the usual own data value; the prototype can only answer with a function (or, for
      // "__proto__", an object), so only those and `undefined` need the own-property check.
      if (value !== undefined && typeof value !== 'function' && key !== '__proto__') current = value;
      else if (Object.hasOwn(current, key)) current = value;
      else if (i < count - 1) current = dottedChild(current as Record<string, unknown>, key);
      else return undefined;
    }
    return current;
  };
}

/** Single-leaf rules on one field from which its answers are remembered per value, and how many values are kept. */
const MEMO_MIN_RULES = 4;
const MEMO_MAX_VALUES = 64;
/**
 * Once a memo is full, misses count up (hits count them down by 8): at this many, values are taken to
 * rarely repeat (an id, an address) and the memo is not consulted for `MEMO_REST` events.
 */
const MEMO_GIVE_UP = 64;
const MEMO_REST = 4096;

/** The tests of the single-leaf rules on one field, and their answers for the string values seen (first ones kept). */
interface SlotMemo {
  readonly tests: ReadonlyArray<(value: string) => boolean>;
  readonly answers: Map<string, Uint8Array>;
  /** The answers for a value that is not kept. */
  readonly scratch: Uint8Array;
  misses: number;
  /** Events left before the memo is consulted again (see MEMO_GIVE_UP). */
  resting: number;
}

/** The answers of `memo`'s rules for a string `value`: remembered while there is room and values repeat. */
function answersFor(memo: SlotMemo, value: string): Uint8Array {
  const { tests, answers } = memo;
  let found: Uint8Array | undefined;
  if (memo.resting > 0) memo.resting--;
  else {
    found = answers.get(value);
    if (found !== undefined) {
      memo.misses = memo.misses > 8 ? memo.misses - 8 : 0;
      return found;
    }
    if (answers.size < MEMO_MAX_VALUES) answers.set(value, (found = new Uint8Array(tests.length)));
    else if (++memo.misses >= MEMO_GIVE_UP) {
      memo.misses = 0;
      memo.resting = MEMO_REST;
    }
  }
  const into = found ?? memo.scratch;
  for (let t = 0; t < tests.length; t++) into[t] = (tests[t] as (value: string) => boolean)(value) ? 1 : 0;
  return into;
}

/** The slot a slot reads from: `EVENT` for the event itself. */
const EVENT = -1;

/**
 * One step of a path: `from`'s field `key` (own properties only), as `compilePathReader` takes it. A
 * `node` (a step with more to come) finds a field spelled with dotted keys when the key is absent.
 */
function step(from: unknown, key: string, node: boolean): unknown {
  if (typeof from !== 'object' || from === null) return from === SEVERAL ? SEVERAL : undefined;
  if (Array.isArray(from)) return SEVERAL;
  const value = (from as Record<string, unknown>)[key];
  if (value !== undefined && typeof value !== 'function' && key !== '__proto__') return value;
  if (Object.hasOwn(from, key)) return value;
  return node ? dottedChild(from as Record<string, unknown>, key) : undefined;
}

/**
 * The fields one type's rules read, each with a slot for the value read from the current event. Paths
 * share their beginnings: `data.properties` is a slot of its own (a node), read once per event, and
 * `data.properties.STREET` one step from it, so ten fields of one object cost twelve property reads, not thirty.
 */
export class FieldSlots {
  readonly #index = new Map<string, number>();
  /** Per slot: the slot it reads from, its last key, and whether it is a node on the way to others. */
  readonly parents: number[] = [];
  readonly keys: string[] = [];
  readonly nodes: boolean[] = [];
  values: unknown[] = [];

  /** The slot of a leaf's path, shared by every rule of the type that reads it. */
  slot(segments: readonly string[]): number {
    return this.#slot(segments, false);
  }

  /** `slot` and the nodes it is read through, parents first. */
  withNodes(slot: number): number[] {
    const chain: number[] = [];
    for (let s = slot; s !== EVENT; s = this.parents[s] as number) chain.unshift(s);
    return chain;
  }

  #slot(segments: readonly string[], node: boolean): number {
    const id = `${node ? 'n' : 'l'}${segments.join('\u0000')}`;
    let slot = this.#index.get(id);
    if (slot === undefined) {
      const parent = segments.length > 1 ? this.#slot(segments.slice(0, -1), true) : EVENT;
      slot = this.parents.length;
      this.#index.set(id, slot);
      this.parents.push(parent);
      this.keys.push(segments[segments.length - 1] as string);
      this.nodes.push(node);
      this.values = new Array(this.parents.length).fill(undefined);
    }
    return slot;
  }
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
