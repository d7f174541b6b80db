/**
 * `edwe replay`: starts a replay through the HTTP API and follows it with a progress bar
 * (events read, matched, rate, ETA) until it ends; `edwe replay status|cancel ID`.
 */
import { parseArgs } from 'node:util';
import { API_OPTIONS, apiClient } from './api-client.js';
import { type FollowIo, followJob, progressBar } from './follow.js';

export const REPLAY_USAGE = `Usage: edwe replay --from ISO --to ISO [--workflow ID] [--type T]... [--dry-run] [--rate N] [--url URL]
       edwe replay status ID [--url URL]
       edwe replay cancel ID [--url URL]`;

interface ReplayView {
  replayId: string;
  status: 'running' | 'completed' | 'failed' | 'cancelled';
  matched: number;
  emitted: number;
  failed: number;
  scanned: number;
  progress: number;
  lastTimestamp?: string;
  eventIds?: string[];
  error?: string;
}

export async function replayCommand(argv: string[], io: FollowIo): Promise<number> {
  const [first, second, ...rest] = argv;
  if (first === 'status' || first === 'cancel') {
    if (second === undefined) throw new Error(`edwe replay ${first} needs a replay id\n${REPLAY_USAGE}`);
    const { values } = parseArgs({ args: rest, options: API_OPTIONS });
    const api = apiClient(values);
    const view = await api.request<ReplayView>(first === 'status' ? 'GET' : 'DELETE', `/replays/${encodeURIComponent(second)}`);
    io.stdout(`${JSON.stringify(view, null, 2)}\n`);
    return 0;
  }
  const { values } = parseArgs({
    args: argv,
    options: {
      ...API_OPTIONS,
      from: { type: 'string' },
      to: { type: 'string' },
      workflow: { type: 'string' },
      type: { type: 'string', multiple: true },
      'dry-run': { type: 'boolean', default: false },
      rate: { type: 'string' },
    },
  });
  if (!values.from || !values.to) throw new Error(`--from and --to are required\n${REPLAY_USAGE}`);
  const request: Record<string, unknown> = { startTime: values.from, endTime: values.to, dryRun: values['dry-run'] };
  if (values.workflow) request.workflowId = values.workflow;
  if (values.type) request.eventTypes = values.type;
  if (values.rate !== undefined) request.ratePerSecond = Number(values.rate);
  const api = apiClient(values);
  const { replayId } = await api.request<{ replayId: string }>('POST', '/replays', request);
  io.stderr(`replay ${replayId} started\n`);

  const startedAt = Date.now();
  const view = await followJob(
    () => api.request<ReplayView>('GET', `/replays/${replayId}`),
    (reading) => progressLine(reading, Date.now() - startedAt),
    io,
  );
  const seconds = (Date.now() - startedAt) / 1000;
  io.stdout(
    `${JSON.stringify({ replayId, status: view.status, matched: view.matched, emitted: view.emitted, failed: view.failed, scanned: view.scanned, seconds: Number(seconds.toFixed(2)), ...(view.eventIds ? { eventIds: view.eventIds } : {}), ...(view.error ? { error: view.error } : {}) }, null, 2)}\n`,
  );
  return view.status === 'completed' ? 0 : 1;
}

/** `[██████░░░░]  62%  read 1,204 · matched 310 · emitted 310 · 850 ev/s · ETA 3s` */
export function progressLine(view: ReplayView, elapsedMs: number): string {
  const fraction = Math.min(1, Math.max(0, view.progress));
  const rate = elapsedMs > 0 ? (view.scanned / elapsedMs) * 1000 : 0;
  const eta = fraction > 0 && fraction < 1 ? ` · ETA ${formatSeconds((elapsedMs / fraction - elapsedMs) / 1000)}` : '';
  const n = (x: number) => x.toLocaleString('en-US');
  return `${progressBar(fraction)}  read ${n(view.scanned)} · matched ${n(view.matched)} · emitted ${n(view.emitted)}${view.failed ? ` · failed ${n(view.failed)}` : ''} · ${n(Math.round(rate))} ev/s${eta} · ${view.status}`;
}

function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  return `${Math.floor(seconds / 60)}m${String(Math.ceil(seconds % 60)).padStart(2, '0')}s`;
}
