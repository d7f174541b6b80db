/** Where what the engine cannot process goes, to be inspected and redriven. */
import type { ErrorDetail } from '../errors.js';

/** A record the engine refused or gave up on, and why. */
export interface DeadLetter {
  /** Where it came from: `kinesis`, `kafka`, `sweeper`, `replay`, … */
  source: string;
  /** The error code, e.g. `validation_error`, `payload_too_large`, `conflict`, `unroutable`. */
  reason: string;
  message: string;
  details: readonly ErrorDetail[];
  /** Where the record was: stream, shard and sequence number; topic, partition and offset; … */
  record: Readonly<Record<string, unknown>>;
  /** The record's original bytes, base64, exactly as delivered. */
  data?: string;
}

export interface DeadLetterQueue {
  /** Durable when the promise resolves. @throws RetryableError when the queue throttles or fails. */
  send(letter: DeadLetter): Promise<void>;
}
