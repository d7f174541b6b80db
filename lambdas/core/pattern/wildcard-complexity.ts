/**
 * EventBridge's limit on wildcard complexity. event-ruler matches a field's wildcard values with one
 * byte automaton, and a string can keep several of their prefixes open at once (`a*b*` reading `abab…`);
 * its MachineComplexityEvaluator measures the most a worst-case string keeps open, and EventBridge refuses
 * a rule whose count passes MAX_WILDCARD_COMPLEXITY ("Rule is too complex…"). This module measures the same.
 */

/**
 * The most wildcard prefixes one field's values may keep open at once. EventBridge's answers pin it:
 * three `*:stack/NAME/*` values on one field (nine) are accepted, four (twelve) are refused; four
 * `*.ext` values (eight) are accepted, four `*\/dir/*.ext` values (sixteen) are refused.
 */
export const MAX_WILDCARD_COMPLEXITY = 10;

/** One wildcard value of a field: its literal segments (parseWildcard's) and whose prefixes it counts as. */
export interface WildcardValue {
  /** Values with one owner count once: the same string listed twice, or the strings of one `anything-but` list. */
  readonly owner: string;
  readonly segments: readonly string[];
}

/**
 * State sets explored past which a field's wildcards are not measured further (`Infinity`). A value
 * that repeats nothing needs about two per byte, and EventBridge refuses patterns over 4096 characters,
 * so only values EventBridge could not hold get there; it keeps compiling a hostile value quick.
 */
export const MAX_EXPLORED = 20_000;

const STAR = -1;
const QUOTE = 0x22;
const OTHER_BYTE = -2;
const encoder = new TextEncoder();

interface State {
  /** Literal successors as flat (byte, state) pairs: few per state, and no allocation per state for a map. */
  readonly literal: number[];
  readonly anyByte: number[];
  readonly owners: string[];
  /** Deterministic successors (before any star), shared by values with a common prefix; created on first use. */
  trie: Map<number, number> | undefined;
  star: number;
}

const newState = (): State => ({ literal: [], anyByte: [], owners: [], trie: undefined, star: -1 });

function addLiteral(state: State, byte: number, to: number): void {
  const { literal } = state;
  for (let i = 0; i < literal.length; i += 2) if (literal[i] === byte && literal[i + 1] === to) return;
  literal.push(byte, to);
}

function addEdge(edges: number[], to: number): void {
  if (!edges.includes(to)) edges.push(to);
}

/** The value's bytes as event-ruler sees them: UTF-8, stars as STAR, wrapped in the JSON string's quotes when `quoted`. */
function tokens(segments: readonly string[], quoted: boolean): number[] {
  const out: number[] = quoted ? [QUOTE] : [];
  segments.forEach((segment, i) => {
    if (i > 0) out.push(STAR);
    for (let k = 0; k < segment.length; k++) {
      const code = segment.charCodeAt(k);
      if (code < 0x80) out.push(code);
      else {
        // Not ASCII: the rest of the segment as UTF-8 (a surrogate pair must be encoded whole).
        for (const byte of encoder.encode(segment.slice(k))) out.push(byte);
        break;
      }
    }
  });
  if (quoted) out.push(QUOTE);
  return out;
}

/**
 * Builds the automaton event-ruler builds: values share states up to their first star (and that star's
 * state); after it each value has its own states; a star state loops on every byte, and the state before
 * it also steps straight to the literal after it (the star matching nothing); each value ends in one match
 * state per owner.
 */
function build(values: readonly WildcardValue[], quoted: boolean): { states: State[]; alphabet: number[] } {
  const states = [newState()];
  const matchStates = new Map<string, number>();
  const alphabet = new Set<number>([OTHER_BYTE]);
  const add = (): number => states.push(newState()) - 1;
  for (const { owner, segments } of values) {
    const bytes = tokens(segments, quoted);
    let current = 0;
    let before = -1;
    let deterministic = true;
    bytes.forEach((token, i) => {
      const from = states[current] as State;
      let next: number;
      if (i === bytes.length - 1) {
        next = matchStates.get(owner) ?? add();
        matchStates.set(owner, next);
      } else if (token === STAR && deterministic) {
        if (from.star < 0) from.star = add();
        next = from.star;
      } else if (deterministic) {
        from.trie ??= new Map();
        next = from.trie.get(token) ?? add();
        from.trie.set(token, next);
      } else {
        next = add();
      }
      const to = states[next] as State;
      if (token === STAR) {
        deterministic = false;
        addEdge(from.anyByte, next);
        addEdge(to.anyByte, next);
      } else {
        alphabet.add(token);
        addLiteral(from, token, next);
        if (i > 0 && bytes[i - 1] === STAR) addLiteral(states[before] as State, token, next);
      }
      if (!to.owners.includes(owner)) to.owners.push(owner);
      before = current;
      current = next;
    });
  }
  return { states, alphabet: [...alphabet] };
}

/**
 * The most wildcard prefixes of `values` a single string keeps open at once (event-ruler's machine
 * complexity), or the first count above `cap` found. Each open state counts its owners, and a state
 * right before a star counts the star's owners too (a string that reaches `foo` also reaches `foo*`).
 * `quoted` wraps each value in `"` as event-ruler does for JSON strings; event-ruler's own unit vectors
 * are unquoted. `Infinity` when the values are too long to measure (see MAX_EXPLORED).
 */
export function wildcardComplexity(values: readonly WildcardValue[], options: { quoted?: boolean; cap?: number } = {}): number {
  if (values.length === 0) return 0;
  const cap = options.cap ?? Number.POSITIVE_INFINITY;
  const { states, alphabet } = build(values, options.quoted ?? true);
  const seen = new Set<string>(['0']);
  const pending: number[][] = [[0]];
  let most = 0;
  while (pending.length > 0) {
    const open = pending.pop() as number[];
    for (const byte of alphabet) {
      const next = new Set<number>();
      for (const id of open) {
        const state = states[id] as State;
        for (const to of state.anyByte) next.add(to);
        const { literal } = state;
        for (let i = 0; i < literal.length; i += 2) if (literal[i] === byte) next.add(literal[i + 1] as number);
      }
      if (next.size === 0) continue;
      let count = 0;
      for (const id of next) {
        const state = states[id] as State;
        count += state.owners.length;
        for (const star of state.anyByte) if (!next.has(star)) count += (states[star] as State).owners.length;
      }
      if (count > cap) return count;
      if (count > most) most = count;
      const ids = [...next].sort((a, b) => a - b);
      const key = ids.join(',');
      if (seen.has(key)) continue;
      if (seen.size >= MAX_EXPLORED) return Number.POSITIVE_INFINITY;
      seen.add(key);
      pending.push(ids);
    }
  }
  return most;
}
