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

/**
 * Parses query-string parameters into an `EventQuery`.
 * @throws ValidationError naming each bad parameter.
 */
export function parseEventQuery(params: Readonly<Record<string, string | undefined>>): EventQuery {
  const details: ErrorDetail[] = [];
  const query: EventQuery = { limit: DEFAULT_QUERY_LIMIT };
  for (const key of Object.keys(params)) {
    if (!['type', 'source', 'from', 'to', 'correlationId', 'limit', 'cursor'].includes(key)) details.push({ path: key, message: 'unknown query parameter' });
  }
  for (const key of ['type', 'source', 'correlationId'] as const) {
    const value = params[key];
    if (value !== undefined) {
      if (value === '') details.push({ path: key, message: 'must not be empty' });
      else query[key] = value;
    }
  }
  for (const key of ['from', 'to'] as const) {
    const value = params[key];
    if (value === undefined) continue;
    const time = Date.parse(value);
    if (Number.isNaN(time) || !/^\d{4}-\d{2}-\d{2}/.test(value)) details.push({ path: key, message: 'must be an ISO 8601 timestamp' });
    else query[key] = new Date(time).toISOString();
  }
  if (params.limit !== undefined) {
    const limit = Number(params.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_QUERY_LIMIT) details.push({ path: 'limit', message: `must be an integer from 1 to ${MAX_QUERY_LIMIT}` });
    else query.limit = limit;
  }
  if (query.from !== undefined && query.to !== undefined && query.from >= query.to) details.push({ path: 'to', message: 'must be after from' });
  if (params.cursor !== undefined) {
    try {
      query.after = decodeCursor(params.cursor);
    } catch (error) {
      details.push(...(error as ValidationError).details);
    }
  }
  if (details.length > 0) throw new ValidationError(`Invalid query: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, details);
  return query;
}
