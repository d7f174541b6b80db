/**
 * `GET /events/stream`: Server-Sent Events, one per stored event that matches an EventBridge pattern, lifecycle
 * events included. The stream reads the store, not a queue of its own: each client remembers the store position
 * (`seq`) of the last event it was sent, and on each commit reads what follows. So a client that reconnects with
 * `Last-Event-ID` misses nothing, and a client that cannot keep up holds at most one page beyond its socket's
 * buffer before it is dropped.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { compilePattern, httpErrorOf, InvalidPatternError, ValidationError, type CompiledPattern, type EngineEvent, type ErrorDetail, type Logger } from '../../core/index.js';

/** What the stream reads: stored events by position, and a signal after each commit. */
export interface StoredEventSource {
  events: {
    since(seq: number, limit: number): Array<{ seq: number; event: EngineEvent }>;
    lastSeq(): number;
  };
  onStored(listener: () => void): () => void;
}

export interface EventStreamOptions {
  /** A comment line this often keeps proxies and clients from timing the stream out. Default 15 s. */
  heartbeatMs?: number;
  /** Bytes the socket may hold unsent before reading stops until it drains. Default 256 KiB. */
  highWaterBytes?: number;
  /** How long a client may leave its socket undrained before it is dropped. Default 10 s. */
  stallMs?: number;
  logger?: Pick<Logger, 'info' | 'warn'>;
}

/** Stored events read per page while a client catches up. */
const PAGE = 500;

/** Serves one client until it goes away or is dropped; a bad request is answered 400 as JSON. */
export function serveEventStream(source: StoredEventSource, request: IncomingMessage, response: ServerResponse, url: URL, options: EventStreamOptions = {}): void {
  let start: { pattern: CompiledPattern; after: number | undefined };
  try {
    start = parseStreamRequest(url, request.headers['last-event-id']);
  } catch (error) {
    const { status, body } = httpErrorOf(error);
    const payload = JSON.stringify(body);
    response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
    response.end(payload);
    return;
  }
  const { heartbeatMs = 15_000, highWaterBytes = 256 * 1024, stallMs = 10_000, logger } = options;
  const { pattern } = start;
  let position = start.after ?? source.events.lastSeq();
  let scheduled = false;
  let stalled: NodeJS.Timeout | undefined;
  let closed = false;

  response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  response.write(': edwe event stream\n\n');

  const pump = (): void => {
    scheduled = false;
    if (closed || stalled !== undefined) return;
    for (;;) {
      const rows = source.events.since(position, PAGE);
      for (const { seq, event } of rows) {
        position = seq;
        if (pattern.matches(event)) response.write(`id: ${seq}\ndata: ${JSON.stringify(event)}\n\n`);
      }
      if (response.writableLength > highWaterBytes) {
        waitForDrain();
        return;
      }
      if (rows.length < PAGE) return;
    }
  };
  const schedule = (): void => {
    if (scheduled || closed) return;
    scheduled = true;
    // Every put of a commit signals; one read after the turn takes them all.
    setImmediate(pump);
  };
  const waitForDrain = (): void => {
    stalled = setTimeout(() => {
      logger?.warn('event stream client dropped: it did not take what was sent', { unsentBytes: response.writableLength, position, stallMs });
      close();
      response.destroy();
    }, stallMs);
    response.once('drain', () => {
      clearTimeout(stalled);
      stalled = undefined;
      schedule();
    });
  };
  const heartbeat = setInterval(() => {
    if (stalled === undefined) response.write(': heartbeat\n\n');
  }, heartbeatMs);
  const unsubscribe = source.onStored(schedule);
  const close = (): void => {
    if (closed) return;
    closed = true;
    unsubscribe();
    clearInterval(heartbeat);
    clearTimeout(stalled);
  };
  response.on('close', close);
  schedule();
}

/**
 * The pattern (`pattern`, URL-encoded JSON; all events without one) and the position to resume after:
 * the `Last-Event-ID` header or, for a first request from EventSource, which cannot set headers, `lastEventId`.
 * @throws ValidationError naming each bad parameter.
 */
export function parseStreamRequest(url: URL, lastEventIdHeader: string | string[] | undefined): { pattern: CompiledPattern; after: number | undefined } {
  const details: ErrorDetail[] = [];
  for (const key of url.searchParams.keys()) if (key !== 'pattern' && key !== 'lastEventId') details.push({ path: key, message: 'unknown query parameter' });
  let pattern: CompiledPattern = compilePattern({});
  const text = url.searchParams.get('pattern');
  if (text !== null) {
    try {
      pattern = compilePattern(JSON.parse(text) as unknown);
    } catch (error) {
      const reason = error instanceof InvalidPatternError ? error.message : 'must be JSON: an EventBridge event pattern';
      details.push({ path: 'pattern', message: reason });
    }
  }
  const header = Array.isArray(lastEventIdHeader) ? lastEventIdHeader[0] : lastEventIdHeader;
  const given = header ?? url.searchParams.get('lastEventId') ?? undefined;
  let after: number | undefined;
  if (given !== undefined && given !== '') {
    if (/^\d{1,15}$/.test(given)) after = Number(given);
    else details.push({ path: header === undefined ? 'lastEventId' : 'Last-Event-ID', message: 'must be an id this stream sent' });
  }
  if (details.length > 0) throw new ValidationError(`Invalid stream request: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, details);
  return { pattern, after };
}
