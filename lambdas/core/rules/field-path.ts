/** Resolves a rule's field path: `user_type` and `plan.seats` read `event.data`; `$.source`, `$.data.x` read the envelope. */
import { FORBIDDEN_KEYS, type EngineEvent } from '../envelope.js';

/** Reads one field path from an event; `undefined` when absent. */
export type FieldReader = (event: EngineEvent) => unknown;

/** The envelope's top-level fields: what a `$.`-path may start with. */
export const ENVELOPE_FIELDS: ReadonlySet<string> = new Set(['id', 'type', 'source', 'timestamp', 'data', 'correlationId']);

/** The path's segments from the envelope's root: `plan.seats` → `['data', 'plan', 'seats']`. */
export function fieldSegments(field: string): string[] {
  if (field.startsWith('$.')) return field.slice(2).split('.');
  return ['data', ...field.split('.')];
}

/** Reads a field path from an event (own properties only; no array flattening). */
export function compileFieldReader(field: string): FieldReader {
  const segments = fieldSegments(field);
  return (event) => {
    let current: unknown = event;
    for (const segment of segments) {
      if (current === null || typeof current !== 'object' || !Object.hasOwn(current, segment)) return undefined;
      current = (current as Record<string, unknown>)[segment];
    }
    return current;
  };
}

/** Why `field` is not a usable path, or `undefined` when it is. */
export function fieldPathProblem(field: string): string | undefined {
  if (field === '' || field === '$.') return 'a field path must not be empty';
  const segments = fieldSegments(field);
  if (segments.some((s) => s === '')) return `"${field}" has an empty segment (write a.b.c, or $.source for envelope fields)`;
  const forbidden = segments.find((s) => FORBIDDEN_KEYS.has(s));
  if (forbidden !== undefined) return `"${forbidden}" cannot be a field name (events never carry __proto__, constructor or prototype)`;
  if (field.startsWith('$.') && !ENVELOPE_FIELDS.has(segments[0] as string)) {
    return `"${field}" names no envelope field; the envelope has ${[...ENVELOPE_FIELDS].map((f) => `$.${f}`).join(', ')} (a bare path reads event.data)`;
  }
  return undefined;
}

/**
 * `correlateBy` as written → the field-path form. The rule language writes `correlateBy: data.accountId`,
 * an envelope path, so a path starting with `data.` reads the envelope; any other bare path reads
 * `event.data` like a condition's field, and `$.`-paths are taken as they are.
 */
export function normaliseCorrelateBy(path: string): string {
  return path.startsWith('data.') ? `$.${path}` : path;
}
