/**
 * `GET /executions` queries (see README.md, HTTP API): by the event that started them or by correlation, narrowed
 * by workflow and status, paged by (startedAt, name) with an opaque cursor. Validated here for both homes.
 */
import type { ErrorDetail } from './errors.js';
import type { ExecutionStatus } from './execution.js';
import {
  cursorParameter,
  DEFAULT_QUERY_LIMIT,
  limitParameter,
  nonEmptyParameters,
  noteUnknownParameters,
  throwQueryProblems,
  type EventPosition,
  type QueryParameters,
} from './query.js';

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
export function parseExecutionQuery(params: QueryParameters): ExecutionQuery {
  const details: ErrorDetail[] = [];
  noteUnknownParameters(params, PARAMETERS, details);
  const query: ExecutionQuery = { ...nonEmptyParameters(params, ['eventId', 'correlationId', 'workflowId'], details), limit: DEFAULT_QUERY_LIMIT };
  if (query.eventId === undefined && query.correlationId === undefined && !details.some((d) => d.path === 'eventId' || d.path === 'correlationId')) {
    details.push({ path: 'eventId', message: 'eventId or correlationId is required' });
  }
  if (params.status !== undefined) {
    const status = params.status as ExecutionStatus;
    if (EXECUTION_STATUSES.includes(status)) query.status = status;
    else details.push({ path: 'status', message: `must be one of ${EXECUTION_STATUSES.join(', ')}` });
  }
  query.limit = limitParameter(params, details);
  const after = cursorParameter(params, details);
  if (after !== undefined) query.after = after;
  throwQueryProblems(details);
  return query;
}
