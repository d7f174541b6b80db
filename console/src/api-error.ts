/** The API's refusals as the console reads them: status, message, code and the problems named by JSON path. */

/** An answer other than 2xx: its status and the API's message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** The API's error code (`invalid_rule`, `precondition_failed`…), when it gave one. */
    readonly code?: string,
    /** Each problem the API named, by its JSON path. */
    readonly details: ReadonlyArray<{ path: string; message: string }> = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The API's error body (`{error, message, details}`; API Gateway's own refusals say `{"Message"}`) as an ApiError. */
export function errorOf(response: Response, text: string): ApiError {
  let message = `${response.status} ${response.statusText}`;
  try {
    const body = JSON.parse(text) as { error?: string; message?: string; Message?: string; details?: Array<{ path: string; message: string }> };
    const details = Array.isArray(body.details) ? body.details : [];
    message = [body.message ?? body.Message ?? message, ...details.map((d) => `${d.path}: ${d.message}`)].join(' — ');
    return new ApiError(response.status, message, body.error, details);
  } catch {
    return new ApiError(response.status, message);
  }
}
