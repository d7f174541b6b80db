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

/** A batch command's per-entry answer: which entries a call holds, the call with only some of them, and the answer with the others failed. */
interface BatchShape {
  entries(input: any): unknown[];
  withEntries(input: any, kept: unknown[]): any;
  /** The answer to the whole call: `output` (for the kept entries, or undefined when none was sent) with `failed` reported as failed. */
  merge(output: any, all: unknown[], failed: boolean[], code: string): any;
}

/** PutEvents: failed entries answered in place with an ErrorCode, FailedEntryCount raised; not delivered. */
const PUT_EVENTS: BatchShape = {
  entries: (input) => input.Entries ?? [],
  withEntries: (input, kept) => ({ ...input, Entries: kept }),
  merge: (output, all, failed, code) => {
    const answers = [...(output?.Entries ?? [])];
    const entries = all.map((_, i) => (failed[i] ? { ErrorCode: code, ErrorMessage: `injected ${code}` } : answers.shift()));
    return { ...output, FailedEntryCount: (output?.FailedEntryCount ?? 0) + failed.filter(Boolean).length, Entries: entries };
  },
};

/** SendMessageBatch: failed entries listed in `Failed` (not the sender's fault); not sent. */
const SEND_MESSAGE_BATCH: BatchShape = {
  entries: (input) => input.Entries ?? [],
  withEntries: (input, kept) => ({ ...input, Entries: kept }),
  merge: (output, all, failed, code) => ({
    ...output,
    Successful: output?.Successful ?? [],
    Failed: [...(output?.Failed ?? []), ...all.filter((_, i) => failed[i]).map((entry) => ({ Id: (entry as { Id: string }).Id, Code: code, SenderFault: false }))],
  }),
};

/** BatchWriteItem: failed requests returned in `UnprocessedItems` under their table; not written. */
const BATCH_WRITE_ITEM: BatchShape = {
  entries: (input) => Object.entries(input.RequestItems ?? {}).flatMap(([table, requests]) => (requests as unknown[]).map((request) => ({ table, request }))),
  withEntries: (input, kept) => {
    const items: Record<string, unknown[]> = {};
    for (const { table, request } of kept as Array<{ table: string; request: unknown }>) (items[table] ??= []).push(request);
    return { ...input, RequestItems: items };
  },
  merge: (output, all, failed) => {
    const unprocessed: Record<string, unknown[]> = { ...(output?.UnprocessedItems ?? {}) };
    (all as Array<{ table: string; request: unknown }>).forEach(({ table, request }, i) => {
      if (failed[i]) unprocessed[table] = [...(unprocessed[table] ?? []), request];
    });
    return { ...output, UnprocessedItems: unprocessed };
  },
};

const BATCH_SHAPES: Readonly<Record<string, BatchShape>> = {
  PutEventsCommand: PUT_EVENTS,
  SendMessageBatchCommand: SEND_MESSAGE_BATCH,
  BatchWriteItemCommand: BATCH_WRITE_ITEM,
};

export interface PartialFailureOptions {
  /** Share of a call's entries that fail, each drawn alone, in [0, 1]. */
  rate: number;
  /** The per-entry codes, drawn at random. Default the retryable ones: `ThrottlingException`, `InternalFailure`. */
  codes?: readonly string[];
  random?: () => number;
}

/** What was injected: per command, the entries failed and the calls they were failed in. */
export interface PartialFailureLog {
  failedEntries: number;
  calls: number;
}

/**
 * Adds partial failures to `client`'s batch calls (PutEvents, SendMessageBatch, BatchWriteItem), as the services
 * answer under stress: the call succeeds, but some entries are reported failed — and, as there, those entries never
 * reach the service (only the others are sent). Outside the SDK's retry loop: the SDK does not retry a call that
 * succeeded, so resending the failed entries is the adapter's own work, which a test then checks.
 * @example const log = injectPartialFailures(eventBridge, { rate: 0.3 })
 */
export function injectPartialFailures(client: { middlewareStack: MiddlewareStack<any, any> }, options: PartialFailureOptions): PartialFailureLog {
  const random = options.random ?? Math.random;
  const codes = options.codes ?? ['ThrottlingException', 'InternalFailure'];
  const log: PartialFailureLog = { failedEntries: 0, calls: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const shape = BATCH_SHAPES[String(context.commandName)];
      if (shape === undefined) return next(args);
      const all = shape.entries(args.input);
      const failed = all.map(() => random() < options.rate);
      if (!failed.includes(true)) return next(args);
      log.calls++;
      log.failedEntries += failed.filter(Boolean).length;
      const code = codes[Math.floor(random() * codes.length)] as string;
      const kept = all.filter((_, i) => !failed[i]);
      // Every entry failed: nothing reaches the service, as when it refuses each.
      const sent = kept.length === 0 ? { output: { $metadata: {} }, response: undefined } : await next({ ...args, input: shape.withEntries(args.input, kept) });
      return { ...sent, output: shape.merge(sent.output, all, failed, code) };
    },
    { step: 'initialize', name: 'edwePartialFailures' },
  );
  return log;
}
