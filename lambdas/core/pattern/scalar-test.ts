/**
 * The test of one scalar event value against everything a leaf accepts. Routing runs one per rule
 * per event, so the common shapes — one kind of value, one operator — get a closure that checks only
 * that; the general closure handles any mix.
 */
import type { ScalarTest } from './anything-but.js';
import { ipInRange, newIpWords, parseIp, sameIp, type IpFamily, type IpRange, type IpWords } from './cidr.js';
import type { WildcardValue } from './wildcard-complexity.js';
import type { NumberTest } from './numeric.js';

/** A test of a string value. */
export type StringTest = (value: string) => boolean;

/** Everything one leaf accepts, gathered by kind so that matching is a few set lookups. */
export interface LeafParts {
  readonly strings: Set<string>;
  readonly numbers: Set<number>;
  readonly ips: { readonly family: 4 | 6; readonly words: IpWords }[];
  readonly ranges: IpRange[];
  readonly stringTests: StringTest[];
  readonly numberTests: NumberTest[];
  readonly anyTests: ScalarTest[];
  /** The leaf's wildcard values (`wildcard` and `anything-but` wildcards), for EventBridge's complexity limit. */
  readonly wildcards: WildcardValue[];
  matchTrue: boolean;
  matchFalse: boolean;
  matchNull: boolean;
  existsTrue: boolean;
  existsFalse: boolean;
}

/**
 * Scratch buffer for parsing event values as IP addresses (matching is synchronous, so one suffices),
 * with the text it holds: the `cidr` rules of a field all read the same value, which is parsed once.
 */
const eventIp = newIpWords();
let eventIpText: string | undefined;
let eventIpFamily: IpFamily = 0;

function parseEventIp(text: string): IpFamily {
  if (text !== eventIpText) {
    eventIpText = undefined; // not trusted while the buffer is being written
    eventIpFamily = parseIp(text, eventIp);
    eventIpText = text;
  }
  return eventIpFamily;
}

/** The one kind of scalar a leaf's tests look at, when there is one; `undefined` for a mix. */
function onlyKind(parts: LeafParts): 'string' | 'number' | 'any' | undefined {
  const { strings, numbers, ips, ranges, stringTests, numberTests, anyTests, matchTrue, matchFalse, matchNull } = parts;
  if (ips.length > 0 || ranges.length > 0 || matchTrue || matchFalse || matchNull) return undefined;
  const hasStrings = strings.size > 0 || stringTests.length > 0;
  const hasNumbers = numbers.size > 0 || numberTests.length > 0;
  if (anyTests.length > 0) return hasStrings || hasNumbers ? undefined : 'any';
  if (hasStrings !== hasNumbers) return hasStrings ? 'string' : 'number';
  return undefined;
}

/** The scalar test of a leaf, specialised to its shape. */
export function scalarTest(parts: LeafParts): ScalarTest {
  const { strings, numbers, stringTests, numberTests, anyTests } = parts;
  switch (onlyKind(parts)) {
    case 'string': {
      const only = stringTests[0] as StringTest;
      if (strings.size === 0 && stringTests.length === 1) return (v) => typeof v === 'string' && only(v);
      if (stringTests.length === 0) return (v) => typeof v === 'string' && strings.has(v);
      break;
    }
    case 'number': {
      const only = numberTests[0] as NumberTest;
      if (numbers.size === 0 && numberTests.length === 1) return (v) => typeof v === 'number' && only(v);
      break;
    }
    case 'any':
      if (anyTests.length === 1) return anyTests[0] as ScalarTest;
      break;
  }
  return generalTest(parts);
}

/**
 * The leaf's test of a string value, as `scalar` (the leaf's `scalarTest`) answers it, narrowed to
 * the one check it comes down to when the leaf is that simple.
 */
export function stringTestOf(parts: LeafParts, scalar: ScalarTest): StringTest {
  const { strings, stringTests, anyTests } = parts;
  switch (onlyKind(parts)) {
    case 'string':
      if (strings.size === 0 && stringTests.length === 1) return stringTests[0] as StringTest;
      if (stringTests.length === 0) return (v) => strings.has(v);
      break;
    case 'number':
      return () => false;
    case 'any':
      if (anyTests.length === 1) return anyTests[0] as ScalarTest;
      break;
  }
  return scalar;
}

function generalTest(parts: LeafParts): ScalarTest {
  const { strings, numbers, ips, ranges, stringTests, numberTests, anyTests, matchTrue, matchFalse, matchNull } = parts;
  const parsesIp = ips.length > 0 || ranges.length > 0;
  return (v) => {
    if (typeof v === 'string') {
      if (strings.has(v)) return true;
      for (const test of stringTests) if (test(v)) return true;
      if (parsesIp) {
        const family = parseEventIp(v);
        if (family !== 0) {
          for (const ip of ips) if (ip.family === family && sameIp(family, ip.words, eventIp)) return true;
          for (const range of ranges) if (ipInRange(family, eventIp, range)) return true;
        }
      }
    } else if (typeof v === 'number') {
      if (numbers.has(v)) return true;
      for (const test of numberTests) if (test(v)) return true;
    } else if (v === null) {
      if (matchNull) return true;
    } else if (v ? matchTrue : matchFalse) {
      return true;
    }
    for (const test of anyTests) if (test(v)) return true;
    return false;
  };
}
