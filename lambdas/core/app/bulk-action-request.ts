/** What `POST /executions/actions` takes: the action, the filter selecting executions, a dry run, the pace. */
import { ValidationError, type ErrorDetail } from '../errors.js';
import type { ExecutionStatus } from '../execution.js';
import { EXECUTION_STATUSES } from '../execution-query.js';

/**
 * The default pace: below every region's refill rate of Step Functions' `StopExecution` and `RedriveExecution` token
 * buckets (see docs/workflows.md, Bulk actions), so a bulk action leaves room for the engine's own calls.
 */
export const DEFAULT_BULK_RATE = 20;
/** The fastest pace a request may ask for. */
export const MAX_BULK_RATE = 100;

export type BulkActionKind = 'stop' | 'redrive';

export interface BulkFilter {
  workflowId?: string;
  status: ExecutionStatus;
  from?: string;
  to?: string;
  correlationId?: string;
}

export interface BulkActionRequest {
  action: BulkActionKind;
  filter: BulkFilter;
  dryRun: boolean;
  ratePerSecond: number;
}

/**
 * Validates a `POST /executions/actions` body.
 * @throws ValidationError naming each problem.
 */
export function parseBulkActionRequest(body: unknown): BulkActionRequest {
  const details: ErrorDetail[] = [];
  const input = (typeof body === 'object' && body !== null && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
  if (input !== body) details.push({ path: '(body)', message: 'must be a JSON object' });
  for (const key of Object.keys(input)) if (!['action', 'filter', 'dryRun', 'ratePerSecond'].includes(key)) details.push({ path: key, message: 'unknown field' });
  const action = input.action;
  if (action !== 'stop' && action !== 'redrive') details.push({ path: 'action', message: 'must be "stop" or "redrive"' });
  const rawFilter = input.filter;
  const filter = (typeof rawFilter === 'object' && rawFilter !== null && !Array.isArray(rawFilter) ? rawFilter : {}) as Record<string, unknown>;
  if (rawFilter !== filter) details.push({ path: 'filter', message: 'must be an object' });
  for (const key of Object.keys(filter))
    if (!['workflowId', 'status', 'from', 'to', 'correlationId'].includes(key)) details.push({ path: `filter.${key}`, message: 'unknown field' });
  const text = (key: string): string | undefined => {
    const value = filter[key];
    if (value === undefined) return undefined;
    if (typeof value === 'string' && value !== '') return value;
    details.push({ path: `filter.${key}`, message: 'must be a non-empty string' });
    return undefined;
  };
  const time = (key: string): string | undefined => {
    const value = text(key);
    if (value === undefined) return undefined;
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) details.push({ path: `filter.${key}`, message: 'must be an ISO 8601 time' });
    return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
  };
  const status = (text('status') ?? (action === 'stop' ? 'RUNNING' : 'FAILED')) as ExecutionStatus;
  if (!EXECUTION_STATUSES.includes(status)) details.push({ path: 'filter.status', message: `must be one of ${EXECUTION_STATUSES.join(', ')}` });
  const from = time('from');
  const to = time('to');
  if (from !== undefined && to !== undefined && from >= to) details.push({ path: 'filter.to', message: 'must be after filter.from' });
  if (input.dryRun !== undefined && typeof input.dryRun !== 'boolean') details.push({ path: 'dryRun', message: 'must be true or false' });
  const rate = input.ratePerSecond ?? DEFAULT_BULK_RATE;
  if (typeof rate !== 'number' || !Number.isFinite(rate) || rate < 0.01 || rate > MAX_BULK_RATE) {
    details.push({ path: 'ratePerSecond', message: `must be a number from 0.01 to ${MAX_BULK_RATE}` });
  }
  if (details.length > 0) throw invalid(details);
  const parsed: BulkFilter = { status };
  const workflowId = text('workflowId');
  const correlationId = text('correlationId');
  if (workflowId !== undefined) parsed.workflowId = workflowId;
  if (correlationId !== undefined) parsed.correlationId = correlationId;
  if (from !== undefined) parsed.from = from;
  if (to !== undefined) parsed.to = to;
  return { action: action as BulkActionKind, filter: parsed, dryRun: input.dryRun === true, ratePerSecond: rate as number };
}

function invalid(details: ErrorDetail[]): ValidationError {
  return new ValidationError(`Invalid bulk action: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, details);
}
