/**
 * Reads a handler's configuration from its environment once, at cold start, and fails naming
 * every missing or malformed variable, rather than failing later on the first record that needs it.
 */
import * as z from '../../core/schema.js';
import { ENV } from '../../layout/environment.js';
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

/** Comma-separated workflow ids, as a set. */
export const workflowIdsVar = () =>
  z.pipe(
    requiredVar(),
    z.transform(
      (text: string) =>
        new Set(
          text
            .split(',')
            .map((id) => id.trim())
            .filter((id) => id !== ''),
        ),
    ),
  );

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

/** State machine ARNs by workflow id: the map itself, or the prefix each workflow id completes. */
export type StateMachineArns = ReadonlyMap<string, string> | ((workflowId: string) => string | undefined);

/** The workflow ids a prefix may complete (as core's WORKFLOW_ID: 1 to 64 of A-Z a-z 0-9 _ -). */
const WORKFLOW_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** ARNs from STATE_MACHINE_ARNS, else from STATE_MACHINE_ARN_PREFIX; `undefined` when neither is set. */
export function stateMachineArnsOf(config: {
  STATE_MACHINE_ARNS?: Record<string, string> | undefined;
  STATE_MACHINE_ARN_PREFIX?: string | undefined;
}): StateMachineArns | undefined {
  if (config.STATE_MACHINE_ARNS !== undefined) return new Map(Object.entries(config.STATE_MACHINE_ARNS));
  const prefix = config.STATE_MACHINE_ARN_PREFIX;
  return prefix === undefined ? undefined : (workflowId) => (WORKFLOW_ID.test(workflowId) ? `${prefix}${workflowId}` : undefined);
}

/** The workflow id of a state machine ARN, reading the map backwards or the prefix off. */
export function workflowIdsOf(arns: StateMachineArns): Pick<ReadonlyMap<string, string>, 'get'> {
  if (typeof arns !== 'function') return new Map([...arns].map(([workflowId, arn]) => [arn, workflowId]));
  const prefix = arns('x')?.slice(0, -1) ?? '';
  return { get: (arn) => (arn.startsWith(prefix) && WORKFLOW_ID.test(arn.slice(prefix.length)) ? arn.slice(prefix.length) : undefined) };
}

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

/**
 * `parseEnv` for a function that starts or follows workflows: STATE_MACHINE_ARNS or
 * STATE_MACHINE_ARN_PREFIX must be set (reported as STATE_MACHINE_ARNS, with the other problems).
 * @throws EnvironmentError e.g. `Invalid environment: STATE_TABLE is not set; STATE_MACHINE_ARNS is not set`
 */
export function parseEnvWithMachines<S extends z.ZodMiniType>(schema: S, env: Record<string, string | undefined> = process.env): z.output<S> & { machines: StateMachineArns } {
  const unset = env[ENV.STATE_MACHINE_ARNS] === undefined && env[ENV.STATE_MACHINE_ARN_PREFIX] === undefined;
  let config: z.output<S>;
  try {
    config = parseEnv(schema, env);
  } catch (error) {
    if (unset && error instanceof EnvironmentError) throw new EnvironmentError(`${error.message}; ${ENV.STATE_MACHINE_ARNS} is not set`);
    throw error;
  }
  const machines = stateMachineArnsOf(config as { STATE_MACHINE_ARNS?: Record<string, string>; STATE_MACHINE_ARN_PREFIX?: string });
  if (machines === undefined) throw new EnvironmentError(`Invalid environment: ${ENV.STATE_MACHINE_ARNS} is not set`);
  return Object.assign(config as object, { machines }) as z.output<S> & { machines: StateMachineArns };
}
