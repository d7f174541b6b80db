/**
 * The fields a rule set's candidate lists read, as slots filled once per event: paths read through
 * their shared beginnings, and the remembered answers of rules that test one field alone.
 */
import { dottedChild } from '../pattern/index.js';

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
export const MEMO_MIN_RULES = 4;
const MEMO_MAX_VALUES = 64;
/**
 * Once a memo is full, misses count up (hits count them down by 8): at this many, values are taken to
 * rarely repeat (an id, an address) and the memo is not consulted for `MEMO_REST` events.
 */
const MEMO_GIVE_UP = 64;
const MEMO_REST = 4096;

/** The tests of the single-leaf rules on one field, and their answers for the string values seen (first ones kept). */
export interface SlotMemo {
  readonly tests: ReadonlyArray<(value: string) => boolean>;
  readonly answers: Map<string, Uint8Array>;
  /** The answers for a value that is not kept. */
  readonly scratch: Uint8Array;
  misses: number;
  /** Events left before the memo is consulted again (see MEMO_GIVE_UP). */
  resting: number;
}

/** The answers of `memo`'s rules for a string `value`: remembered while there is room and values repeat. */
export function answersFor(memo: SlotMemo, value: string): Uint8Array {
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
export const EVENT = -1;

/**
 * One step of a path: `from`'s field `key` (own properties only), as `compilePathReader` takes it. A
 * `node` (a step with more to come) finds a field spelled with dotted keys when the key is absent.
 */
export function step(from: unknown, key: string, node: boolean): unknown {
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
