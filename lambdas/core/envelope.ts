/**
 * The event envelope (see README.md, HTTP API): validation, defaults (id, timestamp) and limits.
 * Every entry point — HTTP, Kinesis, EventBridge, the CLI — goes through `normaliseEvent`.
 */
import { z } from 'zod';
import type { Clock, IdSource } from './clock.js';
import { PayloadTooLargeError, ValidationError, validationErrorOf } from './errors.js';

/** The stored and routed form of an event (the seed's `Event`). */
export interface EngineEvent {
  id: string;
  type: string;
  source: string;
  /** ISO 8601, normalised to UTC with milliseconds (`2026-01-02T03:04:05.678Z`) so it sorts as text. */
  timestamp: string;
  data: Record<string, unknown>;
  correlationId?: string;
}

/** EventBridge entries and Step Functions inputs are capped at 256 KiB; so are events. */
export const MAX_EVENT_BYTES = 256 * 1024;
/** Keys that would reach an object's prototype if ever merged; refused anywhere in a payload. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Printable text: no C0/C1 control characters. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this rejects
export const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;
const name = () =>
  z
    .string({ error: (issue) => (issue.input === undefined ? 'required' : 'must be a string') })
    .min(1, { error: 'must not be empty' })
    .max(256, { error: 'must be at most 256 characters' })
    .refine((s) => !CONTROL_CHARS.test(s), { error: 'must not contain control characters' });

/** The event envelope as received (zod): what `normaliseEvent` validates before assigning defaults. */
export const EventInputSchema = z.strictObject(
  {
    id: z
      .string({ error: 'must be a string' })
      .min(1, { error: 'must not be empty' })
      .max(128, { error: 'must be at most 128 characters' })
      .regex(/^[A-Za-z0-9._:~-]+$/, { error: 'may contain only letters, digits and . _ : ~ -' })
      .optional(),
    type: name(),
    source: name(),
    timestamp: z
      .string({ error: 'must be an ISO 8601 string' })
      .refine(isIsoTimestampWithZone, { error: 'must be ISO 8601 with a time zone, e.g. 2026-01-02T03:04:05Z' })
      .optional(),
    data: z.record(z.string(), z.unknown(), { error: 'must be a JSON object' }).optional(),
    correlationId: z.string({ error: 'must be a string' }).min(1, { error: 'must not be empty' }).max(256, { error: 'must be at most 256 characters' }).optional(),
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? undefined : 'an event must be a JSON object') },
);

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;

function isIsoTimestampWithZone(value: string): boolean {
  return ISO_WITH_ZONE.test(value) && !Number.isNaN(Date.parse(value));
}

/** Context for assigning what the input leaves out. */
export interface EnvelopeContext {
  clock: Clock;
  ids: IdSource;
}

/**
 * Validates one event as received and returns its stored form.
 * @throws ValidationError naming each bad path; PayloadTooLargeError over 256 KiB.
 * @example normaliseEvent({ type: 'user_registration', source: 'web', data: { user_type: 'premium' } }, ctx)
 */
export function normaliseEvent(input: unknown, ctx: EnvelopeContext): EngineEvent {
  const forbidden = findForbiddenKey(input);
  if (forbidden !== undefined) {
    throw new ValidationError(`Invalid event: ${forbidden}: forbidden key`, [
      { path: forbidden, message: 'forbidden key (__proto__, constructor and prototype are refused)' },
    ]);
  }
  const parsed = EventInputSchema.safeParse(input);
  if (!parsed.success) throw validationErrorOf('Invalid event', parsed.error.issues, { root: '(event)' });
  const value = parsed.data;
  const now = ctx.clock.now();
  const event: EngineEvent = {
    id: value.id ?? ctx.ids.newId(now),
    type: value.type,
    source: value.source,
    timestamp: new Date(value.timestamp ?? now).toISOString(),
    data: value.data ?? {},
  };
  if (value.correlationId !== undefined) event.correlationId = value.correlationId;
  const size = Buffer.byteLength(JSON.stringify(event), 'utf8');
  if (size > MAX_EVENT_BYTES) {
    throw new PayloadTooLargeError(`Invalid event: the event is ${size} bytes; the limit is ${MAX_EVENT_BYTES} (256 KiB)`, [
      { path: '(event)', message: `${size} bytes exceeds ${MAX_EVENT_BYTES}` },
    ]);
  }
  return event;
}

/** Parses a request body as JSON, with an error that says where it broke. */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') throw new ValidationError('The body is empty; expected a JSON event', [{ path: '(body)', message: 'empty' }]);
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ValidationError(`The body is not valid JSON: ${reason}`, [{ path: '(body)', message: reason }], { cause: error });
  }
}

/** Depth-first search (iterative, so deep input cannot overflow the stack) for a forbidden key. */
export function findForbiddenKey(value: unknown): string | undefined {
  const stack: Array<{ value: unknown; path: string }> = [{ value, path: '' }];
  while (stack.length > 0) {
    const { value: current, path } = stack.pop() as { value: unknown; path: string };
    if (current === null || typeof current !== 'object') continue;
    if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) stack.push({ value: current[i], path: `${path}[${i}]` });
      continue;
    }
    for (const key of Object.keys(current)) {
      const childPath = path === '' ? key : `${path}.${key}`;
      if (FORBIDDEN_KEYS.has(key)) return childPath;
      stack.push({ value: (current as Record<string, unknown>)[key], path: childPath });
    }
  }
  return undefined;
}

/**
 * Whether two events with the same id carry the same content, so the second is a harmless retry
 * (`duplicate`) rather than a `conflict`. The timestamp is left out: a retried event whose
 * timestamp the engine assigned gets a new one each time.
 */
export function sameContent(a: EngineEvent, b: EngineEvent): boolean {
  return a.id === b.id && a.type === b.type && a.source === b.source && a.correlationId === b.correlationId && canonicalJson(a.data) === canonicalJson(b.data);
}

/** JSON with object keys sorted, so equal values serialise equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, (v as Record<string, unknown>)[k]]),
        )
      : v,
  );
}
