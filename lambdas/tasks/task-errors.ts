/**
 * Errors task functions throw. Step Functions matches `Retry`/`Catch` on the error's `name`,
 * so a bad input (which no retry can fix) is told apart from a transient failure.
 */
import type { $ZodError as ZodError } from 'zod/v4/core';

export class InvalidTaskInputError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidTaskInputError';
  }

  /** One readable line from a zod error: `data.email: must be an email address; …`. */
  static fromZod(error: ZodError): InvalidTaskInputError {
    const text = error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; ');
    return new InvalidTaskInputError(text, { cause: error });
  }
}
