/**
 * How the console reaches the API: the base path and home from the page's meta tags, the bearer token
 * asked for once and kept in sessionStorage, JSON in and out, errors carrying the API's message.
 */
import { ApiError, errorOf } from './api-error.js';
import { parseSse } from './sse.js';

export { ApiError } from './api-error.js';

const meta = (name: string): string => document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content ?? '';

/** Where the API is (`''` when the engine serves the console itself, `/api` behind `edwe console`) and which home it is. */
export const config = {
  base: meta('edwe-api'),
  home: meta('edwe-home') === 'aws' ? ('aws' as const) : ('embedded' as const),
  region: meta('edwe-region'),
};

const TOKEN_KEY = 'edwe-token';

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return { ...(token ? { authorization: `Bearer ${token}` } : {}), ...extra };
}

/** Asks for the token (once per 401), keeps it for the tab's session; false when the user declines. */
function askToken(): boolean {
  const token = window.prompt('This engine needs its API token (Authorization: Bearer …):');
  if (!token) return false;
  sessionStorage.setItem(TOKEN_KEY, token.trim());
  return true;
}

/** Forgets the token (the header's "token" button). */
export function forgetToken(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}

/** A call to the API; a 401 asks for the token and retries once. */
export async function api<T>(path: string, init: CallInit = {}): Promise<T> {
  return (await apiCall<T>(path, init)).body;
}

/** What a call sends: the method, a JSON body, extra headers (`if-match`). */
export interface CallInit {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A call that also returns the answer's `ETag` (a rule's version); a 401 asks for the token and retries once. */
export async function apiCall<T>(path: string, init: CallInit = {}): Promise<{ body: T; etag: string | undefined }> {
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(`${config.base}${path}`, {
      method: init.method ?? 'GET',
      headers: headers({ ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers }),
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
    if (response.status === 401 && attempt === 0 && askToken()) continue;
    const text = await response.text();
    if (!response.ok) throw errorOf(response, text);
    return { body: (text === '' ? undefined : JSON.parse(text)) as T, etag: response.headers.get('etag') ?? undefined };
  }
}

/** The API's plain-text answer (for /metrics); a 401 asks for the token and retries once. */
export async function apiText(path: string): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(`${config.base}${path}`, { headers: headers() });
    if (response.status === 401 && attempt === 0 && askToken()) continue;
    if (!response.ok) throw new ApiError(response.status, `${path}: ${response.status} ${response.statusText}`);
    return response.text();
  }
}

/**
 * Follows an SSE endpoint, reconnecting with Last-Event-ID after a drop. Resolves when `signal` aborts;
 * rejects with an ApiError when the endpoint answers other than 200 (e.g. 404 where there is no stream).
 */
export async function stream(path: string, onMessage: (data: string, id?: string) => void, signal: AbortSignal): Promise<void> {
  let lastId: string | undefined;
  while (!signal.aborted) {
    let response: Response;
    try {
      response = await fetch(`${config.base}${path}`, { headers: headers({ accept: 'text/event-stream', ...(lastId ? { 'last-event-id': lastId } : {}) }), signal });
    } catch (error) {
      if (signal.aborted) return;
      throw error;
    }
    if (response.status === 401 && askToken()) continue;
    if (!response.ok || !response.body) throw new ApiError(response.status, `${path}: ${response.status} ${response.statusText}`);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    const parser = parseSse();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        for (const message of parser.push(value)) {
          if (message.id !== undefined) lastId = message.id;
          onMessage(message.data, message.id);
        }
      }
    } catch {
      if (signal.aborted) return;
    }
    // The server closed the stream (a restart, or it dropped a slow reader): resume from the last id.
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
