/**
 * `edwe executions stop|redrive NAME` and `edwe executions bulk stop|redrive`: acting on executions through the HTTP
 * API. A bulk action is followed with a progress bar on a terminal, one progress line a second otherwise.
 */
import { parseArgs } from 'node:util';
import { parseDuration } from '../lambdas/core/index.js';
import { API_OPTIONS, apiClient } from './api-client.js';
import { type FollowIo, followJob, progressBar } from './follow.js';
import type { CliIo } from './io.js';

export const EXECUTION_ACTION_USAGE = 'Usage: edwe executions stop|redrive NAME [--url URL]';
export const BULK_USAGE = `Usage: edwe executions bulk stop|redrive [--workflow ID] [--status STATUS] [--since 1h] [--correlation ID] [--dry-run] [--rate N] [--url URL]`;

/** One execution stopped or redriven: the execution as it stands afterwards, as JSON. */
export async function executionActionCommand(action: 'stop' | 'redrive', argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: { ...API_OPTIONS }, allowPositionals: true });
  const [name] = positionals;
  if (name === undefined || positionals.length > 1) throw new Error(`give one execution name\n${EXECUTION_ACTION_USAGE}`);
  const execution = await apiClient(values).request('POST', `/executions/${encodeURIComponent(name)}/${action}`);
  io.stdout(`${JSON.stringify(execution, null, 2)}\n`);
  return 0;
}

interface BulkView {
  actionId: string;
  status: string;
  matched: number;
  done: number;
  failed: number;
  skipped: number;
  progress: number;
  sample?: string[];
}

/** Starts a bulk action and follows it to its end (a dry run answers at once with the count and a sample). */
export async function bulkActionCommand(argv: string[], io: FollowIo, now: () => number = Date.now): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...API_OPTIONS,
      workflow: { type: 'string' },
      status: { type: 'string' },
      since: { type: 'string' },
      correlation: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      rate: { type: 'string' },
    },
  });
  const [action] = positionals;
  if ((action !== 'stop' && action !== 'redrive') || positionals.length > 1) throw new Error(`say stop or redrive\n${BULK_USAGE}`);
  const filter: Record<string, string> = {};
  if (values.workflow !== undefined) filter.workflowId = values.workflow;
  if (values.status !== undefined) filter.status = values.status.toUpperCase();
  if (values.correlation !== undefined) filter.correlationId = values.correlation;
  if (values.since !== undefined) {
    const ms = parseDuration(values.since);
    if (ms === undefined) throw new Error(`--since must be a duration such as 30m, 1h or 7d, not "${values.since}"\n${BULK_USAGE}`);
    filter.from = new Date(now() - ms).toISOString();
  }
  const request: Record<string, unknown> = { action, filter, dryRun: values['dry-run'] };
  if (values.rate !== undefined) request.ratePerSecond = Number(values.rate);
  const api = apiClient(values);
  const started = await api.request<BulkView>('POST', '/executions/actions', request);
  if (values['dry-run']) {
    io.stdout(`${JSON.stringify({ actionId: started.actionId, dryRun: true, matched: started.matched, sample: started.sample ?? [] }, null, 2)}\n`);
    return 0;
  }
  io.stderr(`bulk ${action} ${started.actionId} started: ${started.matched} executions\n`);
  const view = await followJob(() => api.request<BulkView>('GET', `/executions/actions/${started.actionId}`), bulkProgressLine, io, now);
  io.stdout(`${JSON.stringify(view, null, 2)}\n`);
  return view.status === 'completed' && view.failed === 0 ? 0 : 1;
}

/** `[██████░░░░]  62%  done 31 · failed 0 · of 50 · running` */
export function bulkProgressLine(view: BulkView): string {
  const skipped = view.skipped > 0 ? ` · skipped ${view.skipped}` : '';
  return `${progressBar(view.progress)}  done ${view.done} · failed ${view.failed}${skipped} · of ${view.matched} · ${view.status}`;
}
