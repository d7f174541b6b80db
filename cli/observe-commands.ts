/**
 * `edwe executions list` and `edwe events tail`: what the engine is doing, from the command line. The tail follows
 * the embedded engine's live stream (`GET /events/stream`); a deployed stack has no long-lived streams through API
 * Gateway, so against one the tail polls `GET /events` from where it left off.
 */
import { parseArgs } from 'node:util';
import { compilePattern, encodeCursor, parseDuration } from '../lambdas/core/index.js';
import { API_OPTIONS, apiClient, ApiError } from './api-client.js';
import { printPages } from './follow.js';
import type { CliIo } from './io.js';

export const EXECUTIONS_USAGE = `Usage: edwe executions list [--workflow ID] [--status RUNNING|SUCCEEDED|FAILED|TIMED_OUT|ABORTED] [--since 1h] [--limit N] [--all] [--url URL]`;
export const TAIL_USAGE = `Usage: edwe events tail [--pattern JSON] [--url URL] [--aws] [--interval 1s]`;

/** An API Gateway URL: a deployed stack, which has no live stream. */
export const isAwsUrl = (url: string): boolean => /\.execute-api\.[a-z0-9-]+\.amazonaws\.com/.test(url);

/** Executions newest first, one JSON object per line. */
export async function executionsListCommand(argv: string[], io: CliIo, now: () => number = Date.now): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...API_OPTIONS,
      workflow: { type: 'string' },
      status: { type: 'string' },
      since: { type: 'string' },
      limit: { type: 'string' },
      all: { type: 'boolean', default: false },
    },
  });
  const query = new URLSearchParams();
  if (values.workflow !== undefined) query.set('workflowId', values.workflow);
  if (values.status !== undefined) query.set('status', values.status.toUpperCase());
  if (values.limit !== undefined) query.set('limit', values.limit);
  if (values.since !== undefined) {
    const ms = parseDuration(values.since);
    if (ms === undefined) throw new Error(`--since must be a duration such as 30m, 1h or 7d, not "${values.since}"\n${EXECUTIONS_USAGE}`);
    query.set('from', new Date(now() - ms).toISOString());
  }
  const api = apiClient(values);
  await printPages(api, '/executions', query, 'executions', values.all, io);
  return 0;
}

/** Prints each new event matching the pattern as it is stored, one JSON object per line, until interrupted. */
export async function eventsTailCommand(argv: string[], io: CliIo, signal?: AbortSignal): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { ...API_OPTIONS, pattern: { type: 'string' }, aws: { type: 'boolean', default: false }, interval: { type: 'string' } },
  });
  if (values.pattern !== undefined) {
    try {
      compilePattern(JSON.parse(values.pattern) as unknown);
    } catch (error) {
      throw new Error(`--pattern is not an EventBridge pattern: ${(error as Error).message}\n${TAIL_USAGE}`);
    }
  }
  const api = apiClient(values);
  const intervalMs = values.interval === undefined ? 1000 : parseDuration(values.interval);
  if (intervalMs === undefined) throw new Error(`--interval must be a duration such as 1s\n${TAIL_USAGE}`);
  if (values.aws || isAwsUrl(api.url)) return pollEvents(api, values.pattern, intervalMs, io, signal);
  return followStream(api.url, values.token ?? process.env.EDWE_TOKEN, values.pattern, io, signal);
}

/** Follows the live stream, reconnecting with the last id it saw (so nothing is lost in between). */
async function followStream(url: string, token: string | undefined, pattern: string | undefined, io: CliIo, signal?: AbortSignal): Promise<number> {
  let lastId: string | undefined;
  const query = pattern === undefined ? '' : `?pattern=${encodeURIComponent(pattern)}`;
  while (!signal?.aborted) {
    let response: Response;
    try {
      response = await fetch(`${url}/events/stream${query}`, {
        headers: { accept: 'text/event-stream', ...(token ? { authorization: `Bearer ${token}` } : {}), ...(lastId === undefined ? {} : { 'last-event-id': lastId }) },
        ...(signal === undefined ? {} : { signal }),
      });
    } catch (error) {
      if (signal?.aborted) return 0;
      throw new Error(`cannot reach the engine at ${url} (${(error as Error).cause ?? (error as Error).message}); is \`edwe dev\` running, or is --url right?`);
    }
    if (!response.ok) throw new ApiError(response.status, (await response.json().catch(() => undefined)) as ApiError['body']);
    let buffer = '';
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
          for (const line of buffer.slice(0, end).split('\n')) {
            if (line.startsWith('id: ')) lastId = line.slice(4);
            else if (line.startsWith('data: ')) io.stdout(`${line.slice(6)}\n`);
          }
          buffer = buffer.slice(end + 2);
        }
      }
    } catch (error) {
      if (signal?.aborted) return 0;
      io.stderr(`the stream broke (${(error as Error).message}); reconnecting\n`);
    }
  }
  return 0;
}

/** Polls `GET /events` from now on, continuing after the last event seen, and filters by the pattern here. */
async function pollEvents(api: ReturnType<typeof apiClient>, pattern: string | undefined, intervalMs: number, io: CliIo, signal?: AbortSignal): Promise<number> {
  const matches = pattern === undefined ? () => true : (event: unknown) => compilePattern(JSON.parse(pattern) as unknown).matches(event);
  const query = new URLSearchParams({ from: new Date().toISOString(), limit: '1000' });
  io.stderr('polling GET /events (a deployed stack has no live stream); events stored with an earlier timestamp than the last one seen are not shown\n');
  while (!signal?.aborted) {
    const page = await api.request<{ events: Array<{ id: string; timestamp: string }>; cursor?: string }>('GET', `/events?${query}`);
    for (const event of page.events) if (matches(event)) io.stdout(`${JSON.stringify(event)}\n`);
    const last = page.events.at(-1);
    if (last !== undefined) query.set('cursor', page.cursor ?? encodeCursor({ timestamp: last.timestamp, id: last.id }));
    if (page.cursor === undefined) await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  return 0;
}
