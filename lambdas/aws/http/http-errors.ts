/**
 * Errors as API Gateway answers: the core's one mapping (`httpErrorOf`, shared with the embedded
 * engine), plus whether the failure is ours and worth logging as an error.
 */
import { httpErrorOf, type HttpErrorBody } from '../../core/index.js';

export interface HttpError {
  statusCode: number;
  body: HttpErrorBody;
  unexpected: boolean;
}

/** @example toHttpError(new NotFoundError('no event 42')).statusCode === 404 */
export function toHttpError(error: unknown): HttpError {
  const { status, body } = httpErrorOf(error);
  return { statusCode: status, body, unexpected: status >= 500 && status !== 503 };
}
