/**
 * Classifies AWS SDK v3 errors: throttling, server faults and network trouble are worth a retry,
 * so they become core `RetryableError`s; everything else is passed on as it is.
 */
import { RetryableError } from '../core/errors.js';

const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
]);

const TRANSIENT = new Set([
  'InternalServerError',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
]);

interface SdkErrorShape {
  name?: string;
  code?: string;
  $fault?: 'client' | 'server';
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/** True when repeating the same call later may succeed. */
export function isRetryableSdkError(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const e = error as SdkErrorShape;
  const status = e.$metadata?.httpStatusCode;
  return (
    e.$retryable !== undefined ||
    e.$fault === 'server' ||
    (status !== undefined && (status >= 500 || status === 429)) ||
    (e.name !== undefined && (THROTTLING.has(e.name) || TRANSIENT.has(e.name))) ||
    (e.code !== undefined && TRANSIENT.has(e.code))
  );
}

/** Wraps a retryable SDK error in `RetryableError` (cause kept); returns anything else unchanged. */
export function classifySdkError(error: unknown, what: string): unknown {
  if (!isRetryableSdkError(error)) return error;
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new RetryableError(`${what} failed and may succeed if retried (${reason})`, { cause: error });
}
