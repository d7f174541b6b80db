/**
 * `GET /events` queries (see README.md, HTTP API): filters, a page size and an opaque cursor, validated once here
 * for both homes. Results are ordered by (timestamp, id); the cursor is the last position returned.
 */
import { ValidationError, type ErrorDetail } from './errors.js';

export const MAX_QUERY_LIMIT = 1000;
export const DEFAULT_QUERY_LIMIT = 100;

/** A position in the (timestamp, id) order. */
export interface EventPosition {
  timestamp: string;
  id: string;
}

export interface EventQuery {
  type?: string;
  source?: string;
  /** Inclusive lower bound on timestamp (ISO, UTC-normalised). */
  from?: string;
  /** Exclusive upper bound on timestamp. */
  to?: string;
  correlationId?: string;
  limit: number;
  /** Continue after this position. */
  after?: EventPosition;
}

export interface EventPage<T> {
  events: T[];
  cursor?: string;
}

export function encodeCursor(position: EventPosition): string {
  return Buffer.from(JSON.stringify([position.timestamp, position.id]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): EventPosition {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string') {
      return { timestamp: value[0], id: value[1] };
    }
  } catch {
    // fall through to the error below
  }
  throw new ValidationError('cursor is not one this API returned', [{ path: 'cursor', message: 'invalid cursor' }]);
}

/** Query-string parameters as API Gateway and the embedded HTTP server hand them over. */
export type QueryParameters = Readonly<Record<string, string | undefined>>;

/**
 * Parses query-string parameters into an `EventQuery`.
 * @throws ValidationError naming each bad parameter.
 */
export function parseEventQuery(params: QueryParameters): EventQuery {
  const details: ErrorDetail[] = [];
  noteUnknownParameters(params, ['type', 'source', 'from', 'to', 'correlationId', 'limit', 'cursor'], details);
  const query: EventQuery = { ...nonEmptyParameters(params, ['type', 'source', 'correlationId'], details), limit: DEFAULT_QUERY_LIMIT };
  Object.assign(query, timeRangeParameters(params, details));
  query.limit = limitParameter(params, details);
  const after = cursorParameter(params, details);
  if (after !== undefined) query.after = after;
  throwQueryProblems(details);
  return query;
}

/*
 * What every query parser shares. Each notes its problems in `details` rather than throwing, so that
 * one answer names every bad parameter.
 */

/** Notes each parameter whose name is not in `known`. */
export function noteUnknownParameters(params: QueryParameters, known: readonly string[], details: ErrorDetail[]): void {
  for (const key of Object.keys(params)) if (!known.includes(key)) details.push({ path: key, message: 'unknown query parameter' });
}

/** The parameters among `keys` that are given; an empty one is noted instead. */
export function nonEmptyParameters<K extends string>(params: QueryParameters, keys: readonly K[], details: ErrorDetail[]): Partial<Record<K, string>> {
  const values: Partial<Record<K, string>> = {};
  for (const key of keys) {
    const value = params[key];
    if (value === undefined) continue;
    if (value === '') details.push({ path: key, message: 'must not be empty' });
    else values[key] = value;
  }
  return values;
}

/** `from` (inclusive) and `to` (exclusive) as UTC ISO timestamps; a bad one, or a `to` not after `from`, is noted. */
export function timeRangeParameters(params: QueryParameters, details: ErrorDetail[]): { from?: string; to?: string } {
  const range: { from?: string; to?: string } = {};
  for (const key of ['from', 'to'] as const) {
    const value = params[key];
    if (value === undefined) continue;
    const time = Date.parse(value);
    if (Number.isNaN(time) || !/^\d{4}-\d{2}-\d{2}/.test(value)) details.push({ path: key, message: 'must be an ISO 8601 timestamp' });
    else range[key] = new Date(time).toISOString();
  }
  if (range.from !== undefined && range.to !== undefined && range.from >= range.to) details.push({ path: 'to', message: 'must be after from' });
  return range;
}

/** The page size: `limit`, or the default when it is absent or out of range (then noted). */
export function limitParameter(params: QueryParameters, details: ErrorDetail[]): number {
  if (params.limit === undefined) return DEFAULT_QUERY_LIMIT;
  const limit = Number(params.limit);
  if (Number.isInteger(limit) && limit >= 1 && limit <= MAX_QUERY_LIMIT) return limit;
  details.push({ path: 'limit', message: `must be an integer from 1 to ${MAX_QUERY_LIMIT}` });
  return DEFAULT_QUERY_LIMIT;
}

/** The position `cursor` continues after, if one is given; a cursor this API did not issue is noted. */
export function cursorParameter(params: QueryParameters, details: ErrorDetail[]): EventPosition | undefined {
  if (params.cursor === undefined) return undefined;
  try {
    return decodeCursor(params.cursor);
  } catch (error) {
    details.push(...(error as ValidationError).details);
    return undefined;
  }
}

/** @throws ValidationError naming every noted problem, when there is one. */
export function throwQueryProblems(details: readonly ErrorDetail[]): void {
  if (details.length > 0) throw new ValidationError(`Invalid query: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, [...details]);
}
