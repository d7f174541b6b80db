/** A small client for the engine's HTTP API (embedded, or any deployment that answers the same paths). */
import { awsFetch, type FetchLike, isExecuteApiUrl } from './aws-fetch.js';

export const DEFAULT_URL = 'http://127.0.0.1:3000';

export interface ApiClient {
  readonly url: string;
  request<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  /** `request` with the status and headers of the answer too, and headers to send (`If-Match`). */
  exchange<T = unknown>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiAnswer<T>>;
}

/** A 2xx answer: its status, headers and parsed body. */
export interface ApiAnswer<T> {
  status: number;
  headers: Headers;
  body: T;
}

/** An API answer that is not a 2xx, with the engine's error body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: { error?: string; message?: string; details?: Array<{ path: string; message: string }> } | undefined,
  ) {
    const details = body?.details?.length ? `\n${body.details.map((d) => `  ${d.path}: ${d.message}`).join('\n')}` : '';
    super(`${status} ${body?.error ?? 'error'}: ${body?.message ?? '(no message)'}${details}`);
    this.name = 'ApiError';
  }
}

/** Where and how to call: `aws` signs with SigV4 (also chosen when the URL is an `execute-api` host). */
export interface ApiClientOptions {
  url?: string | undefined;
  token?: string | undefined;
  aws?: boolean | undefined;
  env?: NodeJS.ProcessEnv;
  /** The signing fetch; default: `awsFetch` (the SDK's credential chain). */
  signedFetch?: FetchLike;
}

export function apiClient(options: ApiClientOptions): ApiClient {
  const env = options.env ?? process.env;
  const url = (options.url ?? env.EDWE_URL ?? DEFAULT_URL).replace(/\/+$/, '');
  const token = options.token ?? env.EDWE_TOKEN;
  const signed = options.aws === true || isExecuteApiUrl(url);
  // SigV4 and a bearer token both travel in Authorization: one request carries only one of them.
  if (signed && options.token !== undefined) throw new Error('--token and SigV4 (--aws, or an execute-api URL) both set the Authorization header: give one');
  const send: FetchLike = signed ? (options.signedFetch ?? awsFetch) : (input, init) => fetch(input, init);
  const bearer = !signed && token ? { authorization: `Bearer ${token}` } : {};
  const exchange = async <T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiAnswer<T>> => {
    let response: Response;
    try {
      response = await send(`${url}${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...headers, ...bearer },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      // Signing fails before any connection (no region, no credentials): say that, not "cannot reach".
      if (!(error instanceof TypeError && error.message === 'fetch failed')) throw error;
      throw new Error(`cannot reach the engine at ${url} (${(error as Error).cause ?? (error as Error).message}); is \`edwe dev\` running, or is --url right?`);
    }
    const text = await response.text();
    const parsed = text === '' ? undefined : (JSON.parse(text) as unknown);
    if (!response.ok) throw new ApiError(response.status, parsed as ApiError['body']);
    return { status: response.status, headers: response.headers, body: parsed as T };
  };
  return {
    url,
    exchange,
    async request<T>(method: string, path: string, body?: unknown): Promise<T> {
      return (await exchange<T>(method, path, body)).body;
    },
  };
}

/** The options every API command takes. */
export const API_OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  aws: { type: 'boolean' },
} as const;
