/**
 * What one engine lets its clients hold (see docs/security.md, Limits): bytes of request bodies in
 * flight, connections, how long a body may stall, and the unrouted backlog past which writes are
 * shed with `503` + `Retry-After` rather than queued in memory.
 */
import type { IncomingMessage } from 'node:http';
import { decodeUtf8Body, MAX_BODY_BYTES, PayloadTooLargeError } from '../../core/index.js';

export interface HttpLimits {
  /** Open connections at most; more are closed on arrival. Default 512. */
  maxConnections: number;
  /** Bytes of request bodies being received at once, over all requests. Default 64 MiB. */
  maxBytesInFlight: number;
  /** Headers must arrive within this. Default 10 s. */
  headersTimeoutMs: number;
  /** A whole request must arrive within this. Default 30 s. */
  requestTimeoutMs: number;
  /** A body that sends nothing for this long is answered 408. Default 5 s. */
  bodyIdleTimeoutMs: number;
  /** Writes are refused (503) while this many stored events wait to be routed. Default 20,000. */
  maxUnrouted: number;
  /** Seconds a shed client is told to wait (`Retry-After`). Default 1. */
  retryAfterSeconds: number;
}

export const DEFAULT_LIMITS: HttpLimits = {
  maxConnections: 512,
  maxBytesInFlight: 64 * 1024 * 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  bodyIdleTimeoutMs: 5_000,
  maxUnrouted: 20_000,
  retryAfterSeconds: 1,
};

/** An answer the server gives before any handler runs (408, 503): a status, a code and headers. */
export class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpStatusError';
  }
}

/** `503` with `Retry-After`: the engine is busy, the same request later is right. */
export const overloaded = (message: string, retryAfterSeconds: number): HttpStatusError =>
  new HttpStatusError(503, 'overloaded', message, { 'retry-after': String(retryAfterSeconds) });

/** Counts the body bytes all requests hold at once. */
export class BytesInFlight {
  #held = 0;

  constructor(readonly max: number) {}

  get held(): number {
    return this.#held;
  }

  /** Takes `n` bytes if they fit under the limit. */
  take(n: number): boolean {
    if (this.#held + n > this.max) return false;
    this.#held += n;
    return true;
  }

  give(n: number): void {
    this.#held -= n;
  }
}

/**
 * Reads a request body as UTF-8 text: at most 6 MB (413), within the shared byte budget (503
 * once it is spent), and refused with 408 when it stalls for `idleTimeoutMs`.
 * @throws PayloadTooLargeError, ValidationError (invalid UTF-8), HttpStatusError (408, 503).
 */
export async function readBody(request: IncomingMessage, budget: BytesInFlight, limits: Pick<HttpLimits, 'bodyIdleTimeoutMs' | 'retryAfterSeconds'>): Promise<string> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) {
    request.resume();
    throw new PayloadTooLargeError(`The body is ${declared} bytes; the limit is ${MAX_BODY_BYTES}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise<string>((resolve, reject) => {
      const fail = (error: Error) => {
        request.removeAllListeners('data');
        request.resume();
        reject(error);
      };
      const arm = () => {
        clearTimeout(timer);
        // The connection is closed with the answer: the rest of the body may never come.
        const stalled = new HttpStatusError(408, 'request_timeout', `The body stalled for ${limits.bodyIdleTimeoutMs / 1000} s`, { connection: 'close' });
        timer = setTimeout(() => fail(stalled), limits.bodyIdleTimeoutMs);
      };
      arm();
      request.on('data', (chunk: Buffer) => {
        arm();
        if (size + chunk.length > MAX_BODY_BYTES) return fail(new PayloadTooLargeError(`The body exceeds the limit of ${MAX_BODY_BYTES} bytes`));
        if (!budget.take(chunk.length)) {
          return fail(overloaded(`The engine is receiving ${budget.held} bytes of bodies already (limit ${budget.max}); retry shortly`, limits.retryAfterSeconds));
        }
        size += chunk.length;
        chunks.push(chunk);
      });
      request.once('end', () => {
        try {
          resolve(decodeUtf8Body(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
        } catch (error) {
          reject(error);
        }
      });
      request.once('error', fail);
      request.once('aborted', () => fail(new HttpStatusError(400, 'aborted', 'The client closed the request')));
    });
  } finally {
    clearTimeout(timer);
    budget.give(size);
  }
}
