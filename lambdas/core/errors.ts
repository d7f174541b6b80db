/**
 * The engine's error types. Each says what went wrong and whether a retry can help;
 * adapters map them to HTTP statuses, batch item failures or Step Functions error names.
 */

/** One problem in one place of the input, e.g. `{ path: 'data.user_type', message: 'required' }`. */
export interface ErrorDetail {
  readonly path: string;
  readonly message: string;
}

/** Base class: every engine error carries a stable machine-readable `code`. */
export abstract class EngineError extends Error {
  abstract readonly code: string;
  /** Whether repeating the same call may succeed. */
  readonly retryable: boolean = false;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The input is malformed; repeating it cannot help (HTTP 400, or a DLQ for a stream record). */
export class ValidationError extends EngineError {
  readonly code: string = 'validation_error';
  readonly details: readonly ErrorDetail[];

  constructor(message: string, details: readonly ErrorDetail[] = [], options?: { cause?: unknown }) {
    super(message, options);
    this.details = details;
  }
}

/** The input is too large (HTTP 413). */
export class PayloadTooLargeError extends ValidationError {
  override readonly code = 'payload_too_large';
}

/** A named thing does not exist (HTTP 404). */
export class NotFoundError extends EngineError {
  readonly code = 'not_found';
}

/** The request contradicts what is stored, e.g. the same event id with other content (HTTP 409). */
export class ConflictError extends EngineError {
  readonly code = 'conflict';
}

/** A dependency failed in a way that a later attempt may not (throttling, timeouts): retry the record. */
export class RetryableError extends EngineError {
  readonly code = 'retryable';
  override readonly retryable = true;
}

/** Type guard that survives errors crossing module copies (checks the shape, not the prototype). */
export const isEngineError = (error: unknown): error is EngineError =>
  error instanceof Error && typeof (error as { code?: unknown }).code === 'string' && 'retryable' in error;
