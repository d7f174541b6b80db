/**
 * EventBridge-exact event pattern matching: compile a pattern once, match events many times.
 * Semantics follow the EventBridge user guide and aws/event-ruler; see compile.ts and leaf.ts.
 */
import { compilePattern, type CompiledPattern } from './compile.js';
import { describe, InvalidEventError, InvalidPatternError, isObject } from './errors.js';

export { compileLeafGroups, compilePattern, MAX_LEAF_GROUPS, MAX_PATTERN_DEPTH, type CompiledPattern, type PatternLeaf } from './compile.js';
export { dottedChild } from './dotted.js';
export type { ValueTest } from './leaf.js';
export { InvalidEventError, InvalidPatternError } from './errors.js';

/** Compiled patterns by identity: a pattern object is treated as immutable once it has been matched. */
const byObject = new WeakMap<object, CompiledPattern>();

/**
 * Whether `event` matches `pattern`, compiling the pattern on first use (cached per pattern object).
 *
 * @throws InvalidPatternError when the pattern is invalid.
 * @example
 * matchesPattern({ detail: { amount: [{ numeric: ['>', 100] }] } }, { detail: { amount: 250 } }); // true
 */
export function matchesPattern(pattern: unknown, event: unknown): boolean {
  if (!isObject(pattern)) return compilePattern(pattern).matches(event); // throws: not an object
  let compiled = byObject.get(pattern);
  if (compiled === undefined) {
    compiled = compilePattern(pattern);
    byObject.set(pattern, compiled);
  }
  return compiled.matches(event);
}

/** Compiled patterns by source text, for `testEventPattern`; bounded, oldest entry evicted first. */
const byText = new Map<string, CompiledPattern>();
const TEXT_CACHE_SIZE = 256;

function compileText(patternJson: string): CompiledPattern {
  const cached = byText.get(patternJson);
  if (cached !== undefined) return cached;
  let parsed: unknown;
  try {
    parsed = JSON.parse(patternJson);
  } catch (error) {
    throw new InvalidPatternError('', `the pattern is not valid JSON (${(error as Error).message})`, { cause: error });
  }
  const compiled = compilePattern(parsed);
  if (byText.size >= TEXT_CACHE_SIZE) {
    const oldest = byText.keys().next();
    if (oldest.done !== true) byText.delete(oldest.value);
  }
  byText.set(patternJson, compiled);
  return compiled;
}

/** Fields the TestEventPattern API requires in the event. */
const MANDATORY_EVENT_FIELDS = ['id', 'account', 'source', 'time', 'region', 'resources', 'detail-type'];

/**
 * The local twin of `aws events test-event-pattern`: both arguments are JSON text.
 *
 * @throws InvalidPatternError when the pattern is not JSON or not a valid pattern.
 * @throws InvalidEventError when the event is not a JSON object with the fields the API requires
 *   (id, account, source, time, region, resources, detail-type).
 * @example
 * testEventPattern('{"source":["aws.ec2"]}', JSON.stringify(ec2Event)); // { Result: true }
 */
export function testEventPattern(patternJson: string, eventJson: string): { Result: boolean } {
  if (typeof patternJson !== 'string') throw new InvalidPatternError('', `the pattern must be JSON text, got ${describe(patternJson)}`);
  const compiled = compileText(patternJson);
  if (typeof eventJson !== 'string') throw new InvalidEventError('', `the event must be JSON text, got ${describe(eventJson)}`);
  let event: unknown;
  try {
    event = JSON.parse(eventJson);
  } catch (error) {
    throw new InvalidEventError('', `the event is not valid JSON (${(error as Error).message})`, { cause: error });
  }
  if (!isObject(event)) throw new InvalidEventError('', `the event must be a JSON object, got ${describe(event)}`);
  for (const field of MANDATORY_EVENT_FIELDS) {
    if (!Object.hasOwn(event, field)) throw new InvalidEventError(field, 'this field is mandatory in a tested event');
  }
  return { Result: compiled.matches(event) };
}
