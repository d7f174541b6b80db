/** Resolves a rule's field path: `user_type` and `plan.seats` read `event.data`; `$.source`, `$.data.x` read the envelope. */
import type { EngineEvent } from '../envelope.js';

export type FieldReader = (event: EngineEvent) => unknown;

export function fieldSegments(field: string): string[] {
  if (field.startsWith('$.')) return field.slice(2).split('.');
  return ['data', ...field.split('.')];
}

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
