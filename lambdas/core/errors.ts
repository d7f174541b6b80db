/**
 * The engine's error types. Each says what went wrong and whether a retry can help;
 * adapters map them to HTTP statuses, batch item failures or Step Functions error names.
 */

/** One problem in one place of the input, e.g. `{ path: 'data.user_type', message: 'required' }`. */
export interface ErrorDetail {
  readonly path: string;
  readonly message: string;
}

/** Base class: every engine error carries a stable machine-readable `code`. */
export abstract class EngineError extends Error {
  abstract readonly code: string;
  /** Whether repeating the same call may succeed. */
  readonly retryable: boolean = false;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The input is malformed; repeating it cannot help (HTTP 400, or a DLQ for a stream record). */
export class ValidationError extends EngineError {
  readonly code: string = 'validation_error';
  readonly details: readonly ErrorDetail[];

  constructor(message: string, details: readonly ErrorDetail[] = [], options?: { cause?: unknown }) {
    super(message, options);
    this.details = details;
  }
}

/** The input is too large (HTTP 413). */
export class PayloadTooLargeError extends ValidationError {
  override readonly code = 'payload_too_large';
}

/** A named thing does not exist (HTTP 404). */
export class NotFoundError extends EngineError {
  readonly code = 'not_found';
}

/** The request contradicts what is stored, e.g. the same event id with other content (HTTP 409). */
export class ConflictError extends EngineError {
  readonly code: string = 'conflict';
}

/** The request's precondition (`If-Match`) does not hold: what it expected is no longer stored (HTTP 412). */
export class PreconditionFailedError extends EngineError {
  readonly code = 'precondition_failed';
}

/** A dependency failed in a way that a later attempt may not (throttling, timeouts): retry the record. */
export class RetryableError extends EngineError {
  readonly code = 'retryable';
  override readonly retryable = true;
}

/** Type guard that survives errors crossing module copies (checks the shape, not the prototype). */
export const isEngineError = (error: unknown): error is EngineError =>
  error instanceof Error && typeof (error as { code?: unknown }).code === 'string' && 'retryable' in error;

/**
 * A schema validator's issue as far as the engine reads it (zod's issues have this shape; core's
 * errors do not depend on zod). `keys` lists the fields an `unrecognized_keys` issue names.
 */
export interface SchemaIssue {
  readonly code: string;
  readonly path: ReadonlyArray<PropertyKey>;
  readonly message: string;
  readonly keys?: readonly string[];
}

export interface IssueOptions {
  /** The path of an issue about the whole input. Default `(input)`. */
  root?: string;
  /** Put before every path, e.g. `detail` when the schema read an event's `detail`. */
  prefix?: string;
  /** Whether the message lists the details after the heading (`heading: a: …; b: …`). Default true. */
  listDetails?: boolean;
}

/**
 * Each issue as an `ErrorDetail`, paths written `a.b[0].c`; an unknown field is a detail of its own
 * (`path.key: unknown field`).
 */
export function issueDetails(issues: readonly SchemaIssue[], options: Pick<IssueOptions, 'root' | 'prefix'> = {}): ErrorDetail[] {
  const root = options.root ?? '(input)';
  const at = (path: ReadonlyArray<PropertyKey>): string => {
    const joined = joinPath(options.prefix === undefined ? path : [options.prefix, ...path]);
    return joined === '' ? root : joined;
  };
  return issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys' && issue.keys !== undefined
      ? issue.keys.map((key) => ({ path: at([...issue.path, key]), message: 'unknown field' }))
      : [{ path: at(issue.path), message: issue.message }],
  );
}

/**
 * The one way a schema's refusal becomes a `ValidationError` (a 400, or a dead letter).
 * @example throw validationErrorOf('Invalid event', parsed.error.issues, { root: '(event)' })
 */
export function validationErrorOf(heading: string, issues: readonly SchemaIssue[], options: IssueOptions = {}): ValidationError {
  const details = issueDetails(issues, options);
  const message = options.listDetails === false ? heading : `${heading}: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`;
  return new ValidationError(message, details);
}

/** A path as the API names it: `data.items[0].sku`. */
export function joinPath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((acc, part) => {
    if (typeof part === 'number') return `${acc}[${part}]`;
    return acc === '' ? String(part) : `${acc}.${String(part)}`;
  }, '');
}
