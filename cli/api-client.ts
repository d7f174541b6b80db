/** A small client for the engine's HTTP API (embedded, or any deployment that answers the same paths). */
export const DEFAULT_URL = 'http://127.0.0.1:3000';

export interface ApiClient {
  readonly url: string;
  request<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
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

export function apiClient(options: { url?: string | undefined; token?: string | undefined; env?: NodeJS.ProcessEnv }): ApiClient {
  const env = options.env ?? process.env;
  const url = (options.url ?? env.EDWE_URL ?? DEFAULT_URL).replace(/\/+$/, '');
  const token = options.token ?? env.EDWE_TOKEN;
  return {
    url,
    async request<T>(method: string, path: string, body?: unknown): Promise<T> {
      let response: Response;
      try {
        response = await fetch(`${url}${path}`, {
          method,
          headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
      } catch (error) {
        throw new Error(`cannot reach the engine at ${url} (${(error as Error).cause ?? (error as Error).message}); is \`edwe dev\` running, or is --url right?`);
      }
      const text = await response.text();
      const parsed = text === '' ? undefined : (JSON.parse(text) as unknown);
      if (!response.ok) throw new ApiError(response.status, parsed as ApiError['body']);
      return parsed as T;
    },
  };
}

/** The options every API command takes. */
export const API_OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
} as const;
