/**
 * Reads a handler's configuration from its environment once, at cold start, and fails naming
 * every missing or malformed variable, rather than failing later on the first record that needs it.
 */
import * as z from '../../core/schema.js';
import { DEFAULT_RETENTION_DAYS } from '../../layout/events-table.js';

/** Raised when the environment lacks a variable or holds a bad value; the message names each. */
export class EnvironmentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnvironmentError';
  }
}

/** A required, non-empty variable. */
export const requiredVar = () => z.string({ error: (issue) => (issue.input === undefined ? 'is not set' : 'must be a string') }).check(z.minLength(1, { error: 'is empty' }));

/** Days events (and execution records) are kept: a positive integer, `DEFAULT_RETENTION_DAYS` when unset. */
export const retentionDaysVar = () => z._default(z.coerce.number({ error: 'must be a number of days' }).check(z.int(), z.positive()), DEFAULT_RETENTION_DAYS);

/** A variable holding a JSON object of strings, e.g. `{"onboarding_workflow":"arn:aws:states:…"}`. */
export const jsonMapVar = () =>
  z.pipe(
    requiredVar(),
    z.transform((text: string, ctx) => {
      try {
        const parsed = z.record(z.string(), z.string()).safeParse(JSON.parse(text));
        if (parsed.success) return parsed.data;
      } catch {
        // Reported below with the same message as a JSON value of the wrong shape.
      }
      ctx.issues.push({ code: 'custom', message: 'must be a JSON object of strings', input: text });
      return z.NEVER;
    }),
  );

/**
 * Parses `env` with `schema`.
 * @throws EnvironmentError e.g. `Invalid environment: EVENTS_TABLE is not set`
 * @example const config = parseEnv(z.object({ [ENV.EVENTS_TABLE]: requiredVar() }))
 */
export function parseEnv<S extends z.ZodMiniType>(schema: S, env: Record<string, string | undefined> = process.env): z.output<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.map(String).join('.') || '(environment)'} ${issue.message}`);
  throw new EnvironmentError(`Invalid environment: ${problems.join('; ')}`);
}
