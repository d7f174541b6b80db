/**
 * Errors of the event-pattern matcher. They carry the shape of the engine's `ValidationError`
 * (`code`, `retryable`, `details`) without importing it, so the pattern module stays self-contained
 * while the engine's error mapping still recognises them: a bad pattern or event never gets better on retry.
 */

/** Shown instead of an empty path when the problem is the pattern (or event) as a whole. */
const ROOT = '(root)';

/**
 * A pattern EventBridge would refuse. `path` names the field (`detail.amount`, `$or[1].source`),
 * `reason` says what is wrong; `message` is `path: reason`.
 *
 * @example
 * try { compilePattern({ detail: { amount: [{ numeric: ['>', 'five'] }] } }); }
 * catch (e) { if (e instanceof InvalidPatternError) console.log(e.path); } // 'detail.amount'
 */
export class InvalidPatternError extends Error {
  readonly code = 'validation_error';
  readonly retryable = false;
  readonly path: string;
  readonly reason: string;
  readonly details: readonly { readonly path: string; readonly message: string }[];

  constructor(path: string, reason: string, options?: { cause?: unknown }) {
    super(`${path === '' ? ROOT : path}: ${reason}`, options);
    this.name = 'InvalidPatternError';
    this.path = path;
    this.reason = reason;
    this.details = [{ path, message: reason }];
  }
}

/** An event `testEventPattern` cannot test: not JSON, not an object, or missing a mandatory field. */
export class InvalidEventError extends Error {
  readonly code = 'validation_error';
  readonly retryable = false;
  readonly path: string;
  readonly reason: string;

  constructor(path: string, reason: string, options?: { cause?: unknown }) {
    super(`${path === '' ? ROOT : path}: ${reason}`, options);
    this.name = 'InvalidEventError';
    this.path = path;
    this.reason = reason;
  }
}

/** Throws an `InvalidPatternError`; typed `never` so callers narrow after it. */
export function fail(path: string, reason: string): never {
  throw new InvalidPatternError(path, reason);
}

const MAX_SHOWN = 60;

/** A short, safe rendering of an offending value for error messages (a 100 KB string stays short). */
export function describe(value: unknown): string {
  let text: string | undefined;
  try {
    text = typeof value === 'bigint' ? `${value}n` : JSON.stringify(value);
  } catch {
    text = undefined;
  }
  if (text === undefined) text = typeof value === 'object' ? 'a non-JSON object' : String(value);
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}… (${text.length} chars)` : text;
}

/** `{}`-shaped: an object that is neither null nor an array. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
