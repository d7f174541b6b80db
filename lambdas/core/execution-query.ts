/**
 * `GET /executions` queries (see README.md, HTTP API): by the event that started them or by correlation, narrowed
 * by workflow and status, paged by (startedAt, name) with an opaque cursor; or, with neither, a listing of every
 * execution by workflow, status and start time, newest first. Validated here for both homes.
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
  timeRangeParameters,
  type EventPosition,
  type QueryParameters,
} from './query.js';

export const EXECUTION_STATUSES: readonly ExecutionStatus[] = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];

export interface ExecutionQuery {
  eventId?: string;
  correlationId?: string;
  workflowId?: string;
  status?: ExecutionStatus;
  limit: number;
  /** Continue after this (startedAt, name) position; `timestamp` holds startedAt and `id` the name. */
  after?: EventPosition;
}

/** `GET /executions` without an event or a correlation: newest first, paged backwards in (startedAt, name) order. */
export interface ExecutionListing {
  workflowId?: string;
  status?: ExecutionStatus;
  /** Inclusive lower bound on startedAt (ISO, UTC-normalised). */
  from?: string;
  /** Exclusive upper bound on startedAt. */
  to?: string;
  limit: number;
  /** Continue with what started before this (startedAt, name) position. */
  before?: EventPosition;
}

const PARAMETERS = ['eventId', 'correlationId', 'workflowId', 'status', 'limit', 'cursor'];
const LISTING_PARAMETERS = ['workflowId', 'status', 'from', 'to', 'limit', 'cursor'];

/** True when the parameters ask for a listing (neither `eventId` nor `correlationId`) rather than a look-up. */
export function isExecutionListing(params: QueryParameters): boolean {
  return params.eventId === undefined && params.correlationId === undefined;
}

/**
 * Parses query-string parameters into an `ExecutionListing`.
 * @throws ValidationError naming each bad parameter.
 */
export function parseExecutionListing(params: QueryParameters): ExecutionListing {
  const details: ErrorDetail[] = [];
  noteUnknownParameters(params, LISTING_PARAMETERS, details);
  const listing: ExecutionListing = { ...nonEmptyParameters(params, ['workflowId'], details), limit: limitParameter(params, details) };
  const status = statusParameter(params, details);
  if (status !== undefined) listing.status = status;
  Object.assign(listing, timeRangeParameters(params, details));
  const before = cursorParameter(params, details);
  if (before !== undefined) listing.before = before;
  throwQueryProblems(details);
  return listing;
}

function statusParameter(params: QueryParameters, details: ErrorDetail[]): ExecutionStatus | undefined {
  if (params.status === undefined) return undefined;
  const status = params.status as ExecutionStatus;
  if (EXECUTION_STATUSES.includes(status)) return status;
  details.push({ path: 'status', message: `must be one of ${EXECUTION_STATUSES.join(', ')}` });
  return undefined;
}

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
  const status = statusParameter(params, details);
  if (status !== undefined) query.status = status;
  query.limit = limitParameter(params, details);
  const after = cursorParameter(params, details);
  if (after !== undefined) query.after = after;
  throwQueryProblems(details);
  return query;
}
