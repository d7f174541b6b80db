/**
 * The API Gateway (REST, Lambda proxy) side of the HTTP contract shared by the ingest and query
 * handlers: request bodies within the 6 MB limit, JSON answers, and errors through core's one mapping.
 */
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { Caller } from '../../core/access.js';
import { MAX_BODY_BYTES, PayloadTooLargeError } from '../../core/index.js';
import { toHttpError } from './http-errors.js';
import { emitCount } from '../powertools-engine-metrics.js';

/** A JSON answer. */
export function json(statusCode: number, body: unknown): APIGatewayProxyResult {
  return { statusCode, headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(body) };
}

/** The request body as text (base64 decoded when API Gateway encoded it). @throws PayloadTooLargeError over 6 MB. */
export function bodyText(request: APIGatewayProxyEvent): string {
  const text = request.isBase64Encoded && request.body !== null ? Buffer.from(request.body, 'base64').toString('utf8') : (request.body ?? '');
  const size = Buffer.byteLength(text, 'utf8');
  if (size > MAX_BODY_BYTES) {
    throw new PayloadTooLargeError(`The body is ${size} bytes; the limit is ${MAX_BODY_BYTES}`, [{ path: '(body)', message: `${size} bytes exceeds ${MAX_BODY_BYTES}` }]);
  }
  return text;
}

/** The caller as API Gateway identified it: the IAM principal (SigV4) and the API key id, whichever the request carries. */
export function callerOf(request: APIGatewayProxyEvent): Caller & { sourceIp?: string } {
  const identity = request.requestContext?.identity;
  const principals = [identity?.userArn, identity?.apiKeyId].filter((p): p is string => typeof p === 'string' && p !== '');
  return { principals, ...(identity?.sourceIp ? { sourceIp: identity.sourceIp } : {}) };
}

/** A path parameter as sent. Event ids never contain `%`; a malformed escape is left as it came. */
export function pathParameter(request: APIGatewayProxyEvent, name: string): string {
  const value = request.pathParameters?.[name] ?? '';
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** The answer to a failed request, logged as refused (4xx, 503) or failed (other 5xx) and counted. */
export function errorAnswer(
  error: unknown,
  request: APIGatewayProxyEvent,
  log: Pick<Logger, 'warn' | 'error'>,
  metrics: Pick<Metrics, 'addMetric'> | undefined,
): APIGatewayProxyResult {
  const answer = toHttpError(error);
  emitCount(metrics, answer.unexpected ? 'RequestsFailed' : 'RequestsRefused');
  if (answer.unexpected) log.error('request failed', { error: error as Error, path: request.path });
  else log.warn('request refused', { statusCode: answer.statusCode, error: answer.body.error, reason: answer.body.message });
  return json(answer.statusCode, answer.body);
}
