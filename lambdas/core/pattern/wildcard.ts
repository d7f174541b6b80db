/**
 * EventBridge `wildcard` matching without regular expressions, so neither a hostile pattern nor a
 * hostile value can make matching slower than linear in their lengths.
 *
 * Syntax (event-ruler's WildcardParser): `*` matches any run of characters, `\*` is a literal star,
 * `\\` a literal backslash; two consecutive unescaped stars and a backslash before anything else are errors.
 */

/** The result of parsing: an error reason, or the literal segments between the unescaped stars. */
export type WildcardParse = { readonly ok: true; readonly segments: string[] } | { readonly ok: false; readonly reason: string };

const STAR = 0x2a;
const BACKSLASH = 0x5c;

/** Splits a wildcard pattern into its literal segments: `a*b\*c` → `['a', 'b*c']`. */
export function parseWildcard(pattern: string): WildcardParse {
  const segments: string[] = [];
  let segment = '';
  let runStart = 0;
  for (let i = 0; i < pattern.length; i++) {
    const code = pattern.charCodeAt(i);
    if (code === STAR) {
      if (pattern.charCodeAt(i + 1) === STAR) {
        return { ok: false, reason: `consecutive wildcard characters at position ${i} are not allowed` };
      }
      segments.push(segment + pattern.slice(runStart, i));
      segment = '';
      runStart = i + 1;
    } else if (code === BACKSLASH) {
      const next = pattern.charCodeAt(i + 1);
      if (next !== STAR && next !== BACKSLASH) {
        return { ok: false, reason: `invalid escape at position ${i}: a backslash may only escape "*" or "\\"` };
      }
      segment += pattern.slice(runStart, i) + String.fromCharCode(next);
      i++;
      runStart = i + 1;
    }
  }
  segments.push(segment + pattern.slice(runStart));
  return { ok: true, segments };
}

/**
 * Segments at least this long are searched with KMP (guaranteed linear); shorter ones with the
 * engine's `indexOf`, whose worst case is bounded by the segment length times the value length.
 */
const KMP_THRESHOLD = 32;

type Finder = (text: string, from: number) => number;

function kmpFinder(needle: string): Finder {
  const m = needle.length;
  const failure = new Int32Array(m);
  for (let i = 1, k = 0; i < m; i++) {
    while (k > 0 && needle.charCodeAt(i) !== needle.charCodeAt(k)) k = failure[k - 1] ?? 0;
    if (needle.charCodeAt(i) === needle.charCodeAt(k)) k++;
    failure[i] = k;
  }
  return (text, from) => {
    for (let i = from, k = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      while (k > 0 && code !== needle.charCodeAt(k)) k = failure[k - 1] ?? 0;
      if (code === needle.charCodeAt(k)) k++;
      if (k === m) return i - m + 1;
    }
    return -1;
  };
}

function finder(needle: string): Finder {
  return needle.length >= KMP_THRESHOLD ? kmpFinder(needle) : (text, from) => text.indexOf(needle, from);
}

/**
 * Compiles parsed segments into a predicate. With stars, the first segment must be a prefix and the
 * last a suffix; the middle ones are found left to right, each at its leftmost place — greedy leftmost
 * placement is optimal when `*` is the only metacharacter, so no backtracking is ever needed.
 */
export function compileWildcard(segments: readonly string[]): (value: string) => boolean {
  const first = segments[0] ?? '';
  if (segments.length === 1) return (value) => value === first;
  const last = segments[segments.length - 1] ?? '';
  const middle = segments.slice(1, -1).filter((s) => s.length > 0);
  const finders = middle.map(finder);
  const lengths = middle.map((s) => s.length);
  const minLength = first.length + last.length + lengths.reduce((a, b) => a + b, 0);
  if (middle.length === 0) {
    return (value) => value.length >= minLength && value.startsWith(first) && value.endsWith(last);
  }
  const only = middle[0] as string;
  if (middle.length === 1 && first === '' && last === '' && only.length < KMP_THRESHOLD) return (value) => value.includes(only); // `*x*`: contains
  return (value) => {
    if (value.length < minLength || !value.startsWith(first) || !value.endsWith(last)) return false;
    const end = value.length - last.length;
    let position = first.length;
    for (let i = 0; i < finders.length; i++) {
      const found = (finders[i] as Finder)(value, position);
      if (found < 0) return false;
      position = found + (lengths[i] as number);
      if (position > end) return false;
    }
    return true;
  };
}
