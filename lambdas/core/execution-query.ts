/**
 * `GET /executions` queries (see README.md, HTTP API): by the event that started them or by correlation, narrowed
 * by workflow and status, paged by (startedAt, name) with an opaque cursor. Validated here for both homes.
 */
import { ValidationError, type ErrorDetail } from './errors.js';
import type { ExecutionStatus } from './execution.js';
import { decodeCursor, DEFAULT_QUERY_LIMIT, MAX_QUERY_LIMIT, type EventPosition } from './query.js';

export const EXECUTION_STATUSES: readonly ExecutionStatus[] = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];

export interface ExecutionQuery {
  eventId?: string;
  correlationId?: string;
  workflowId?: string;
  status?: ExecutionStatus;
  limit: number;
  /** Continue after this (startedAt, name) position; `timestamp` holds startedAt and `id` the name. */
  after?: EventPosition;
}

const PARAMETERS = ['eventId', 'correlationId', 'workflowId', 'status', 'limit', 'cursor'];

/**
 * Parses query-string parameters into an `ExecutionQuery`; `eventId` or `correlationId` is required.
 * @throws ValidationError naming each bad parameter.
 */
export function parseExecutionQuery(params: Readonly<Record<string, string | undefined>>): ExecutionQuery {
  const details: ErrorDetail[] = [];
  const query: ExecutionQuery = { limit: DEFAULT_QUERY_LIMIT };
  for (const key of Object.keys(params)) if (!PARAMETERS.includes(key)) details.push({ path: key, message: 'unknown query parameter' });
  for (const key of ['eventId', 'correlationId', 'workflowId'] as const) {
    const value = params[key];
    if (value === undefined) continue;
    if (value === '') details.push({ path: key, message: 'must not be empty' });
    else query[key] = value;
  }
  if (query.eventId === undefined && query.correlationId === undefined && !details.some((d) => d.path === 'eventId' || d.path === 'correlationId')) {
    details.push({ path: 'eventId', message: 'eventId or correlationId is required' });
  }
  if (params.status !== undefined) {
    const status = params.status as ExecutionStatus;
    if (EXECUTION_STATUSES.includes(status)) query.status = status;
    else details.push({ path: 'status', message: `must be one of ${EXECUTION_STATUSES.join(', ')}` });
  }
  if (params.limit !== undefined) {
    const limit = Number(params.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_QUERY_LIMIT) details.push({ path: 'limit', message: `must be an integer from 1 to ${MAX_QUERY_LIMIT}` });
    else query.limit = limit;
  }
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
