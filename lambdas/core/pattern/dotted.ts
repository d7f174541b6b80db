/**
 * Dots in field names, as EventBridge reads them. event-ruler joins a pattern's keys with `.` into
 * one path per leaf, so `{"detail": {"state.status": [...]}}` and `{"detail": {"state": {"status": [...]}}}`
 * are the same rule; it flattens an event the same way, so an event key `"state.status"` is read by
 * either spelling. Patterns are expanded here before compiling; events are read through `dottedChild`.
 */
import { fail, isObject } from './errors.js';

const join = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);

/**
 * `pattern` with every dotted key expanded into nested objects and merged with its siblings.
 * Two leaves at one path keep the later one (event-ruler compiles one path once, the last spelling
 * winning). A path that is both a leaf and an object can only match an event that itself has a
 * dotted key colliding with an object: refused, naming the path.
 */
export function expandDottedKeys(pattern: Record<string, unknown>, maxDepth: number, path = '', depth = 1): Record<string, unknown> {
  // The same limit and words as compiling: a pattern that contains itself must not overflow the stack here first.
  if (depth > maxDepth) fail(path, `pattern is nested deeper than ${maxDepth} levels`);
  if (!Object.keys(pattern).some((key) => key.includes('.') || key === '$or' || isObject(pattern[key]))) return pattern;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(pattern)) {
    const value = pattern[key];
    if (key === '$or') {
      const orPath = join(path, '$or');
      put(out, key, Array.isArray(value) ? value.map((branch) => (isObject(branch) ? expandDottedKeys(branch, maxDepth, orPath, depth + 1) : branch)) : value, orPath);
      continue;
    }
    const segments = key.split('.');
    let nested: unknown = isObject(value) ? expandDottedKeys(value, maxDepth, join(path, key), depth + segments.length) : value;
    for (let i = segments.length - 1; i >= 1; i--) {
      const wrapper: Record<string, unknown> = {};
      define(wrapper, segments[i] as string, nested);
      nested = wrapper;
    }
    const head = segments[0] as string;
    put(out, head, nested, join(path, head));
  }
  return out;
}

/** Sets `key` in `out`, merging objects that meet at one path; never mutates the pattern it was given. */
function put(out: Record<string, unknown>, key: string, value: unknown, path: string): void {
  const existing = Object.hasOwn(out, key) ? out[key] : undefined;
  if (existing === undefined || key === '$or' || (!isObject(existing) && !isObject(value))) {
    define(out, key, value);
    return;
  }
  if (!isObject(existing) || !isObject(value)) fail(path, `"${path}" is given both a list of values and, through a dotted key, nested fields`);
  const merged: Record<string, unknown> = {};
  for (const name of Object.keys(existing)) define(merged, name, existing[name]);
  for (const name of Object.keys(value)) put(merged, name, value[name], join(path, name));
  define(out, key, merged);
}

// `__proto__` is an ordinary field name in a pattern: define it, never assign through the setter.
function define(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * The fields an event spells with dotted keys under `key` (`{"state.status": "x"}` under `state`),
 * as the object they stand for (`{"status": "x"}`); `undefined` when there are none. Only called
 * when `key` itself is absent, so events without dots in their keys never pay for it.
 */
export function dottedChild(object: Record<string, unknown>, key: string): Record<string, unknown> | undefined {
  const prefix = `${key}.`;
  let child: Record<string, unknown> | undefined;
  for (const name in object) {
    if (!name.startsWith(prefix) || !Object.hasOwn(object, name)) continue;
    child ??= {};
    define(child, name.slice(prefix.length), object[name]);
  }
  return child;
}
