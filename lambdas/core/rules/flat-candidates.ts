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
      if (Object.hasOwn(current, key)) current = (current as Record<string, unknown>)[key];
      else if (i < count - 1) current = dottedChild(current as Record<string, unknown>, key);
      else return undefined;
    }
    return current;
  };
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
    const { readers, values, stamps } = this.#fields;
    for (let i = 0; i < matchers.length; i++) {
      let ok = false;
      const firstGroup = groupFrom[i] as number;
      if (firstGroup < 0) ok = (matchers[i] as Matcher).matches(event);
      else {
        const endGroup = groupTo[i] as number;
        groups: for (let g = firstGroup; g < endGroup; g++) {
          const end = leafTo[g] as number;
          for (let k = leafFrom[g] as number; k < end; k++) {
            const slot = slots[k] as number;
            let value: unknown;
            if (stamps[slot] === stamp) value = values[slot];
            else {
              value = (readers[slot] as (event: unknown) => unknown)(event);
              values[slot] = value;
              stamps[slot] = stamp;
            }
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
      if (this.#stops[i] === true) break;
    }
    return fired;
  }
}
