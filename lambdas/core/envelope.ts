/**
 * The event envelope (see README.md, HTTP API): validation, defaults (id, timestamp) and limits.
 * Every entry point — HTTP, Kinesis, EventBridge, the CLI — goes through `normaliseEvent`.
 */
import * as z from './schema.js';
import type { Clock, IdSource } from './clock.js';
import { PayloadTooLargeError, ValidationError, validationErrorOf } from './errors.js';
import { FORBIDDEN_KEYS, MAX_NESTING_DEPTH, pruneDeepJson, structureProblem } from './json-limits.js';

export { FORBIDDEN_KEYS, MAX_NESTING_DEPTH };

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
/** Printable text: no C0/C1 control characters. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this rejects
export const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;
/** Text that is valid Unicode: no lone surrogate (which no UTF-8 store or log can carry). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const wellFormed = (s: string): boolean => !LONE_SURROGATE.test(s);
const name = () =>
  z.string({ error: (issue) => (issue.input === undefined ? 'required' : 'must be a string') }).check(
    z.minLength(1, { error: 'must not be empty' }),
    z.maxLength(256, { error: 'must be at most 256 characters' }),
    z.refine((s) => !CONTROL_CHARS.test(s), { error: 'must not contain control characters' }),
    z.refine(wellFormed, { error: 'must be valid Unicode (no lone surrogates)' }),
  );

/** The event envelope as received (zod): what `normaliseEvent` validates before assigning defaults. */
export const EventInputSchema = z.strictObject(
  {
    id: z.optional(
      z.string({ error: 'must be a string' }).check(
        z.minLength(1, { error: 'must not be empty' }),
        z.maxLength(128, { error: 'must be at most 128 characters' }),
        // `@` joins a schedule rule's id and its fire time (`nightly@2026-01-02T02:00:00Z`).
        z.regex(/^[A-Za-z0-9._:~@-]+$/, { error: 'may contain only letters, digits and . _ : ~ @ -' }),
        z.refine((id) => id !== '.' && id !== '..', { error: 'must not be "." or ".." (they name a path, not an event)' }),
      ),
    ),
    type: name(),
    source: name(),
    timestamp: z.optional(
      z
        .string({ error: 'must be an ISO 8601 string' })
        .check(
          z.refine(isIsoTimestampWithZone, { error: 'must be ISO 8601 with a time zone, e.g. 2026-01-02T03:04:05Z' }),
          z.refine(inUtcYearRange, { error: 'must fall within the years 0000 to 9999 in UTC' }),
        ),
    ),
    data: z.optional(z.record(z.string(), z.unknown(), { error: 'must be a JSON object' })),
    correlationId: z.optional(name()),
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? undefined : 'an event must be a JSON object') },
);

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;

function isIsoTimestampWithZone(value: string): boolean {
  return ISO_WITH_ZONE.test(value) && !Number.isNaN(Date.parse(value));
}

/** The latest instant stored timestamps can name: they are 4-digit-year UTC text that sorts as text. */
export const MAX_TIMESTAMP_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
/** The earliest: 0000-01-01T00:00:00.000Z. */
export const MIN_TIMESTAMP_MS = -62_167_219_200_000;

/** Whether a parsed instant (epoch ms) is representable as a stored timestamp. */
export function isRepresentableTime(ms: number): boolean {
  return Number.isFinite(ms) && ms >= MIN_TIMESTAMP_MS && ms <= MAX_TIMESTAMP_MS;
}

/** True for what `isIsoTimestampWithZone` refuses, so that a bad timestamp is named once. */
function inUtcYearRange(value: string): boolean {
  return !isIsoTimestampWithZone(value) || isRepresentableTime(Date.parse(value));
}

/**
 * An ISO 8601 instant with an explicit zone (`Z` or `±hh:mm`) and a 4-digit UTC year, as epoch ms;
 * `undefined` otherwise. For query and replay bounds: a time without a zone means a different
 * instant on every machine.
 */
export function parseZonedInstant(value: unknown): number | undefined {
  if (typeof value !== 'string' || !isIsoTimestampWithZone(value)) return undefined;
  const ms = Date.parse(value);
  return isRepresentableTime(ms) ? ms : undefined;
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
  const problem = structureProblem(input, MAX_NESTING_DEPTH);
  if (problem !== undefined) throw new ValidationError(`Invalid event: ${problem.path}: ${problem.message}`, [problem]);
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

/**
 * Levels a request body may add around its events (`{"events": [event]}`). Deeper parts are pruned
 * before parsing; the envelope then refuses the event that held them, and only that one.
 */
export const BODY_WRAPPER_DEPTH = 2;

/**
 * Parses a request body as JSON, with an error that says where it broke. Parts nested deeper than
 * an event may be (plus a batch's wrapper) are replaced before parsing, so a deep body costs one
 * scan of its text, not a parse of every level — and only the entries holding them are refused.
 */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') throw new ValidationError('The body is empty; expected a JSON event', [{ path: '(body)', message: 'empty' }]);
  try {
    return JSON.parse(pruneDeepJson(text, MAX_NESTING_DEPTH + BODY_WRAPPER_DEPTH));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ValidationError(`The body is not valid JSON: ${reason}`, [{ path: '(body)', message: reason }], { cause: error });
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * A request body's bytes as text. Invalid UTF-8 is refused rather than replaced by U+FFFD: the
 * stored event would otherwise differ from what the client sent without anyone being told.
 * @throws ValidationError for bytes that are not UTF-8.
 */
export function decodeUtf8Body(bytes: Uint8Array): string {
  try {
    return UTF8.decode(bytes);
  } catch (error) {
    throw new ValidationError('The body is not valid UTF-8', [{ path: '(body)', message: 'invalid UTF-8' }], { cause: error });
  }
}

/**
 * Whether two events with the same id carry the same content, so the second is a harmless retry
 * (`duplicate`) rather than a `conflict`. The timestamp is left out: a retried event whose
 * timestamp the engine assigned gets a new one each time.
 */
export function sameContent(a: EngineEvent, b: EngineEvent): boolean {
  if (a.id !== b.id || a.type !== b.type || a.source !== b.source || a.correlationId !== b.correlationId) return false;
  return canonicalJson(a.data, sealedAsOne) === canonicalJson(b.data, sealedAsOne);
}

/** What every field sealed by field encryption starts with (see field-encryption.ts). */
export const SEALED_PREFIX = 'edwe:enc:v1:';

/**
 * Sealed fields compare equal: a retry is sealed under a fresh IV (and on AWS maybe another data
 * key), so its ciphertext differs though its plaintext may not; the rest of the event still decides.
 */
const sealedAsOne = (value: unknown): unknown => (typeof value === 'string' && value.startsWith(SEALED_PREFIX) ? SEALED_PREFIX : value);

/** JSON with object keys sorted, so equal values serialise equally whatever their key order. */
export function canonicalJson(value: unknown, mapLeaf: (leaf: unknown) => unknown = (leaf) => leaf): string {
  return JSON.stringify(value, (_key, raw: unknown) => {
    const v = mapLeaf(raw);
    return v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, (v as Record<string, unknown>)[k]]),
        )
      : v;
  });
}
