/**
 * Fault injection for the AWS adapters' SDK clients: a middleware that makes a request's first
 * attempt fail as AWS does under stress — throttling, a 500, a timeout after the request reached
 * the service (the write happened; the answer was lost) — so the SDK's retry (the second attempt
 * is never faulted) and the adapter's own handling are what a contract suite then exercises.
 */
import type { MiddlewareStack } from '@smithy/types';

export type Fault = 'throttle' | 'server' | 'timeout-after-send';

export interface FaultOptions {
  /** Share of first attempts that fail, in [0, 1]. */
  rate: number;
  faults?: readonly Fault[];
  /** Random source in [0, 1): a test may pin it. */
  random?: () => number;
  /** Only these commands (e.g. `PutItemCommand`); default every command. */
  commands?: readonly string[];
}

/** What was injected, by fault and command. */
export interface FaultLog {
  injected: Array<{ fault: Fault; command: string }>;
}

/** An error as the SDK's retry strategy classifies it: throttling and 5xx by name and status, timeouts by name. */
function faultError(fault: Fault): Error {
  const error = new Error(`injected ${fault}`) as Error & { $metadata: Record<string, unknown>; $fault: string };
  error.name = fault === 'throttle' ? 'ThrottlingException' : fault === 'server' ? 'InternalServerError' : 'TimeoutError';
  error.$fault = fault === 'throttle' ? 'client' : 'server';
  error.$metadata = { httpStatusCode: fault === 'throttle' ? 400 : fault === 'server' ? 500 : undefined, attempts: 1 };
  return error;
}

/**
 * Adds the fault middleware to `client` (inside the retry loop: the SDK retries what it throws).
 * @example const log = injectFaults(dynamodb, { rate: 0.3 })
 */
export function injectFaults(client: { middlewareStack: MiddlewareStack<any, any> }, options: FaultOptions): FaultLog {
  const random = options.random ?? Math.random;
  const faults = options.faults ?? ['throttle', 'server', 'timeout-after-send'];
  const log: FaultLog = { injected: [] };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = String(context.commandName);
      const header = (args.request as { headers?: Record<string, string> }).headers?.['amz-sdk-request'] ?? 'attempt=1';
      const firstAttempt = /attempt=1\b/.test(header);
      if (!firstAttempt || (options.commands !== undefined && !options.commands.includes(command)) || random() >= options.rate) return next(args);
      const fault = faults[Math.floor(random() * faults.length)] as Fault;
      log.injected.push({ fault, command });
      if (fault === 'timeout-after-send') await next(args);
      throw faultError(fault);
    },
    { step: 'finalizeRequest', priority: 'low', name: 'edweFaultInjection' },
  );
  return log;
}
