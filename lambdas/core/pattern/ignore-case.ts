/**
 * Case-insensitive comparisons for `equals-ignore-case` and its `prefix`/`suffix` forms.
 * Like event-ruler, folding is driven by the pattern: each pattern character accepts its lower- and
 * upper-case forms. The pattern's forms are computed once, so the usual path allocates nothing.
 */

type Region = 'whole' | 'start' | 'end';

function compile(pattern: string, region: Region): (value: string) => boolean {
  const lower = pattern.toLowerCase();
  const upper = pattern.toUpperCase();
  const n = pattern.length;
  if (lower.length !== n || upper.length !== n) {
    // A character whose case forms differ in length (e.g. "ß" → "SS"): compare folded strings.
    if (region === 'whole') return (value) => value.toLowerCase() === lower || value.toUpperCase() === upper;
    if (region === 'start') return (value) => value.toLowerCase().startsWith(lower) || value.toUpperCase().startsWith(upper);
    return (value) => value.toLowerCase().endsWith(lower) || value.toUpperCase().endsWith(upper);
  }
  const at = (value: string, offset: number): boolean => {
    for (let i = 0; i < n; i++) {
      const code = value.charCodeAt(offset + i);
      if (code !== lower.charCodeAt(i) && code !== upper.charCodeAt(i)) return false;
    }
    return true;
  };
  if (region === 'whole') return (value) => value.length === n && at(value, 0);
  if (region === 'start') return (value) => value.length >= n && at(value, 0);
  return (value) => value.length >= n && at(value, value.length - n);
}

/** `equals-ignore-case`: the whole value equals the pattern, ignoring case. */
export const equalsIgnoreCase = (pattern: string): ((value: string) => boolean) => compile(pattern, 'whole');

/** `prefix: { equals-ignore-case }`: the value starts with the pattern, ignoring case. */
export const prefixIgnoreCase = (pattern: string): ((value: string) => boolean) => compile(pattern, 'start');

/** `suffix: { equals-ignore-case }`: the value ends with the pattern, ignoring case. */
export const suffixIgnoreCase = (pattern: string): ((value: string) => boolean) => compile(pattern, 'end');
