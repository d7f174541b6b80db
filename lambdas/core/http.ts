/**
 * The HTTP contract (see README.md, HTTP API) that both homes share: error → status and body, and the shapes
 * `POST /events` accepts (one event, an array, or `{events: [...]}`).
 */
import { fromCloudEvent, isCloudEvent } from './sources.js';
import { ForbiddenError } from './access.js';
import { ConflictError, NotFoundError, PayloadTooLargeError, PreconditionFailedError, RetryableError, ValidationError, type ErrorDetail } from './errors.js';

export interface HttpErrorBody {
  error: string;
  message: string;
  /** Each problem with its path; empty when the error is not about the input's content. */
  details: readonly ErrorDetail[];
}

/** The single mapping from error types to HTTP answers. Unknown errors become a 500 that leaks nothing. */
export function httpErrorOf(error: unknown): { status: number; body: HttpErrorBody } {
  const answer = (status: number, e: { code: string; message: string }, details: readonly ErrorDetail[] = []) => ({
    status,
    body: { error: e.code, message: e.message, details: details.map(({ path, message }) => ({ path, message })) },
  });
  // PayloadTooLargeError is a ValidationError: it must be tested first.
  if (error instanceof PayloadTooLargeError) return answer(413, error, error.details);
  if (error instanceof ValidationError) return answer(400, error, error.details);
  if (error instanceof ForbiddenError) return answer(403, error, error.details);
  if (error instanceof NotFoundError) return answer(404, error);
  if (error instanceof ConflictError) return answer(409, error);
  if (error instanceof PreconditionFailedError) return answer(412, error);
  // A dependency is throttling or failing for now: 503 tells the client that trying again is right.
  if (error instanceof RetryableError) return answer(503, { code: 'unavailable', message: error.message });
  return answer(500, { code: 'internal_error', message: 'The request failed unexpectedly; it has been logged.' });
}

/** The most entries one `POST /events` may carry (as EventBridge `PutEvents` batches are bounded). */
export const MAX_BATCH_ENTRIES = 500;
/** The largest request body accepted (API Gateway's Lambda payload limit). */
export const MAX_BODY_BYTES = 6 * 1024 * 1024;

export type IngestRequest = { kind: 'single'; entry: unknown } | { kind: 'batch'; entries: unknown[] };

/** Tells a single event from a batch. @throws ValidationError for an empty or oversized batch. */
export function classifyIngestBody(body: unknown): IngestRequest {
  const entries = Array.isArray(body) ? body : isEventsWrapper(body) ? body.events : undefined;
  if (entries === undefined) return { kind: 'single', entry: body };
  if (entries.length === 0) throw new ValidationError('The batch is empty', [{ path: 'events', message: 'must hold at least one event' }]);
  if (entries.length > MAX_BATCH_ENTRIES) {
    throw new ValidationError(`The batch holds ${entries.length} events; the limit is ${MAX_BATCH_ENTRIES}`, [
      { path: 'events', message: `at most ${MAX_BATCH_ENTRIES} entries` },
    ]);
  }
  return { kind: 'batch', entries };
}

function isEventsWrapper(body: unknown): body is { events: unknown[] } {
  return body !== null && typeof body === 'object' && !Array.isArray(body) && Object.keys(body).length === 1 && Array.isArray((body as { events?: unknown }).events);
}

/** One entry's answer in a batch: its id (and `duplicate`), or its error. */
export type BatchEntryResult = { id: string; duplicate?: true } | HttpErrorBody;

/**
 * A batch entry's error answer. Errors that are not the entry's fault (a store outage) are
 * rethrown, so the caller answers 5xx for the whole request instead of blaming one entry.
 */
export function entryError(error: unknown): Extract<BatchEntryResult, { error: string }> {
  const { status, body } = httpErrorOf(error);
  if (status >= 500) throw error;
  return body;
}

/** An entry of `POST /events` as event input: CloudEvents (they name a `specversion`) are mapped. */
export const eventInputOf = (entry: unknown): unknown => (isCloudEvent(entry) ? fromCloudEvent(entry) : entry);
