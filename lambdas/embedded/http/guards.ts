/**
 * Checks that keep a browser from driving the engine (see docs/security.md, Browsers): a JSON
 * content type on writes (an HTML form or `text/plain` fetch cannot send one without a preflight),
 * no foreign `Origin` unless `--cors` allows it, and — bound to loopback — no `Host` but the
 * engine's own (a DNS-rebinding page reaches 127.0.0.1 under its own host name).
 */
import type { IncomingMessage } from 'node:http';

/** Media types a request body may be sent as. */
export const JSON_MEDIA_TYPES: ReadonlySet<string> = new Set([
  'application/json',
  'application/cloudevents+json',
  'application/cloudevents-batch+json',
  // The AWS JSON protocol: what an EventBridgeClient sends to PutEvents.
  'application/x-amz-json-1.1',
]);

/** A refusal: the status and the JSON error body's code and message. */
export interface Refusal {
  status: number;
  error: string;
  message: string;
}

/** `415` unless a request that carries a body says it is JSON. */
export function contentTypeRefusal(request: IncomingMessage): Refusal | undefined {
  if (request.method !== 'POST' && request.method !== 'PUT' && request.method !== 'PATCH') return undefined;
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (JSON_MEDIA_TYPES.has(type)) return undefined;
  return {
    status: 415,
    error: 'unsupported_media_type',
    message: `Content-Type ${type === '' ? '(none)' : `"${type}"`} is not accepted; send ${[...JSON_MEDIA_TYPES].join(', ')}`,
  };
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** Whether the server is bound to this machine only. */
export const isLoopback = (host: string): boolean => LOOPBACK_NAMES.has(host) || host.startsWith('127.');

/** The name part of a `Host` header (`[::1]:3000` → `[::1]`, `localhost:3000` → `localhost`). */
function hostName(header: string): string {
  if (header.startsWith('[')) return header.slice(0, header.indexOf(']') + 1).toLowerCase();
  const colon = header.lastIndexOf(':');
  return (colon === -1 ? header : header.slice(0, colon)).toLowerCase();
}

export interface BrowserGuards {
  /** `421` for a `Host` that is not this engine's, when bound to loopback. */
  hostRefusal(request: IncomingMessage): Refusal | undefined;
  /** The request's `Origin` when `--cors` allows it (answers carry CORS headers for it). */
  allowedOrigin(request: IncomingMessage): string | undefined;
  /** `403` for an `Origin` that is neither this engine's own nor allowed by `--cors`. */
  originRefusal(request: IncomingMessage): Refusal | undefined;
}

/**
 * @param boundHost the address the server listens on (`127.0.0.1`, `localhost`, `0.0.0.0`, …)
 * @param cors origins allowed to call from a browser (`https://app.example.com`), or `*`
 */
export function browserGuards(boundHost: string, cors: readonly string[]): BrowserGuards {
  const loopback = isLoopback(boundHost);
  const allowedHosts = new Set([...LOOPBACK_NAMES, boundHost.toLowerCase()]);
  const origins = new Set(cors.map((o) => o.replace(/\/$/, '').toLowerCase()));
  const allowedOrigin = (request: IncomingMessage): string | undefined => {
    const origin = request.headers.origin;
    if (origin === undefined) return undefined;
    return origins.has('*') || origins.has(origin.toLowerCase()) ? origin : undefined;
  };
  return {
    hostRefusal(request) {
      if (!loopback) return undefined;
      const host = request.headers.host;
      if (host !== undefined && allowedHosts.has(hostName(host))) return undefined;
      return {
        status: 421,
        error: 'misdirected_request',
        message: `Host ${host === undefined ? '(none)' : `"${host}"`} is not this engine; bound to ${boundHost}, it answers localhost and ${boundHost} only`,
      };
    },
    allowedOrigin,
    originRefusal(request) {
      const origin = request.headers.origin;
      if (origin === undefined || allowedOrigin(request) !== undefined) return undefined;
      // The engine's own pages (the console) are same-origin: their Origin names the Host they were served from.
      const host = request.headers.host;
      if (host !== undefined && (origin.toLowerCase() === `http://${host.toLowerCase()}` || origin.toLowerCase() === `https://${host.toLowerCase()}`)) return undefined;
      return { status: 403, error: 'forbidden_origin', message: `Origin "${origin}" may not call this engine; allow it with --cors ${origin}` };
    },
  };
}

/** Headers a CORS preflight for an allowed origin is answered with. */
export function preflightHeaders(origin: string, methods: readonly string[]): Record<string, string> {
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-methods': methods.join(', '),
    'access-control-allow-headers': 'authorization, content-type, x-amz-target, x-amz-date, x-amz-user-agent, amz-sdk-invocation-id, amz-sdk-request',
    'access-control-max-age': '600',
    vary: 'Origin',
  };
}
