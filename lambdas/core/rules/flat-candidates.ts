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

/** The tests of the single-leaf rules on one field, and their answers for the string values seen (first ones kept). */
interface SlotMemo {
  readonly tests: readonly ValueTest[];
  readonly answers: Map<string, Uint8Array>;
  /** The value of the event being routed and its answers, whether or not there was room to keep them. */
  lastValue: string | undefined;
  last: Uint8Array;
}

/** The fields one type's rules read, each with a slot for the value read from the current event. */
export class FieldSlots {
  readonly #index = new Map<string, number>();
  readonly readers: Array<(event: unknown) => unknown> = [];
  values: unknown[] = [];
  stamps = new Float64Array(0);

  /** The slot of a path, shared by every rule of the type that reads it. */
  slot(segments: readonly string[]): number {
    const key = segments.join('\u0000');
    let slot = this.#index.get(key);
    if (slot === undefined) {
      slot = this.readers.length;
      this.#index.set(key, slot);
      this.readers.push(compilePathReader(segments));
      this.values = new Array(this.readers.length).fill(undefined);
      this.stamps = new Float64Array(this.readers.length);
    }
    return slot;
  }
}

/** One candidate list in firing order, as flat arrays for a tight loop. */
export class Candidates {
  readonly rules: Rule[];
  readonly #matchers: Matcher[];
  readonly #stops: boolean[];
  /** Per rule, its groups' range in `#leafFrom`/`#leafTo`; `-1` for a rule matched whole. */
  readonly #groupFrom: Int32Array;
  readonly #groupTo: Int32Array;
  /** Per group, its leaves' range in `#slots`/`#tests`. */
  readonly #leafFrom: Int32Array;
  readonly #leafTo: Int32Array;
  readonly #slots: Int32Array;
  readonly #tests: ValueTest[] = [];
  readonly #fields: FieldSlots;
  /** Per rule, its one leaf when it is one group of one leaf (most rules); `-1` otherwise. */
  readonly #single: Int32Array;
  /** The slots this list's rules read, read up front for each event. */
  readonly #used: Int32Array;
  /** Per rule, its place among the single-leaf rules of its slot when that slot's answers are remembered; `-1` otherwise. */
  readonly #memoAt: Int32Array;
  /** Per slot, the answers of its single-leaf rules by string value (see SlotMemo); `undefined` when not remembered. */
  readonly #memos: Array<SlotMemo | undefined>;

  constructor(items: ReadonlyArray<{ rule: Rule; matcher: Matcher }>, fields: FieldSlots) {
    this.rules = items.map((i) => i.rule);
    this.#matchers = items.map((i) => i.matcher);
    this.#stops = items.map((i) => i.rule.stop);
    this.#fields = fields;
    this.#groupFrom = new Int32Array(items.length);
    this.#groupTo = new Int32Array(items.length);
    const leafFrom: number[] = [];
    const leafTo: number[] = [];
    const slots: number[] = [];
    items.forEach(({ matcher }, i) => {
      if (matcher.groups === undefined) {
        this.#groupFrom[i] = -1;
        return;
      }
      this.#groupFrom[i] = leafFrom.length;
      for (const group of matcher.groups) {
        leafFrom.push(slots.length);
        for (const leaf of group) {
          slots.push(fields.slot(leaf.segments));
          this.#tests.push(leaf.test);
        }
        leafTo.push(slots.length);
      }
      this.#groupTo[i] = leafFrom.length;
    });
    this.#leafFrom = Int32Array.from(leafFrom);
    this.#leafTo = Int32Array.from(leafTo);
    this.#slots = Int32Array.from(slots);
    this.#single = Int32Array.from(items, (_, i) => {
      const g = this.#groupFrom[i] as number;
      return g >= 0 && this.#groupTo[i] === g + 1 && leafTo[g] === (leafFrom[g] as number) + 1 ? (leafFrom[g] as number) : -1;
    });
    this.#used = Int32Array.from(new Set(slots));
    // Fields that many rules test alone (a street, a state, a tier) take few values: their answers are remembered per value.
    const bySlot = new Map<number, number[]>();
    this.#single.forEach((k, i) => {
      if (k < 0) return;
      const list = bySlot.get(slots[k] as number);
      if (list === undefined) bySlot.set(slots[k] as number, [i]);
      else list.push(i);
    });
    this.#memoAt = new Int32Array(items.length).fill(-1);
    this.#memos = [];
    for (const [slot, rules] of bySlot) {
      if (rules.length < MEMO_MIN_RULES) continue;
      rules.forEach((i, at) => {
        this.#memoAt[i] = at;
      });
      this.#memos[slot] = { tests: rules.map((i) => this.#tests[this.#single[i] as number] as ValueTest), answers: new Map(), lastValue: undefined, last: new Uint8Array(0) };
    }
  }

  /** The answers of `memo`'s rules for a string `value`: computed on first sight, kept while there is room, and always for the last value. */
  static #answers(memo: SlotMemo, value: string): Uint8Array {
    if (memo.lastValue === value) return memo.last;
    let answers = memo.answers.get(value);
    if (answers === undefined) {
      const { tests } = memo;
      answers = new Uint8Array(tests.length);
      for (let t = 0; t < tests.length; t++) answers[t] = (tests[t] as ValueTest)(value) ? 1 : 0;
      if (memo.answers.size < MEMO_MAX_VALUES) memo.answers.set(value, answers);
    }
    memo.lastValue = value;
    memo.last = answers;
    return answers;
  }

  /** Reads the list's fields for the event (once per event across lists); whether one crosses an array. */
  #read(event: unknown, stamp: number): boolean {
    const { readers, values, stamps } = this.#fields;
    const used = this.#used;
    let several = false;
    for (let u = 0; u < used.length; u++) {
      const slot = used[u] as number;
      if (stamps[slot] !== stamp) {
        values[slot] = (readers[slot] as (event: unknown) => unknown)(event);
        stamps[slot] = stamp;
      }
      if (values[slot] === SEVERAL) several = true;
    }
    return several;
  }

  /** The rules that fire for `event`, cut after the first firing `stop` rule. `stamp` is new per event. */
  select(event: unknown, stamp: number): Rule[] {
    const fired: Rule[] = [];
    const matchers = this.#matchers;
    const groupFrom = this.#groupFrom;
    const groupTo = this.#groupTo;
    const leafFrom = this.#leafFrom;
    const leafTo = this.#leafTo;
    const slots = this.#slots;
    const tests = this.#tests;
    const single = this.#single;
    const stops = this.#stops;
    // A value that crosses an array sends its rules to their compiled patterns (checked per leaf below).
    const several = this.#read(event, stamp);
    const { values } = this.#fields;
    const memoAt = this.#memoAt;
    const memos = this.#memos;
    for (let i = 0; i < matchers.length; i++) {
      let ok = false;
      const only = single[i] as number;
      const firstGroup = groupFrom[i] as number;
      if (only >= 0 && !several) {
        const slot = slots[only] as number;
        const value = values[slot];
        const at = memoAt[i] as number;
        ok = at >= 0 && typeof value === 'string' ? Candidates.#answers(memos[slot] as SlotMemo, value)[at] === 1 : (tests[only] as ValueTest)(value);
      } else if (firstGroup < 0) ok = (matchers[i] as Matcher).matches(event);
      else {
        const endGroup = groupTo[i] as number;
        groups: for (let g = firstGroup; g < endGroup; g++) {
          const end = leafTo[g] as number;
          for (let k = leafFrom[g] as number; k < end; k++) {
            const value = values[slots[k] as number];
            if (value === SEVERAL) {
              ok = (matchers[i] as Matcher).matches(event);
              break groups;
            }
            if (!(tests[k] as ValueTest)(value)) continue groups;
          }
          ok = true;
          break;
        }
      }
      if (!ok) continue;
      fired.push(this.rules[i] as Rule);
      if (stops[i] === true) break;
    }
    return fired;
  }
}
