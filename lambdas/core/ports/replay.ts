/** Replay jobs and the bus replayed events are put on. */
import type { EventPosition } from '../query.js';
import type { ExecutionEnd } from './executions.js';
import type { ReplayBusEntry, ReplayJob, ReplayStatus } from '../replay.js';

/** An entry the bus refused for good, as the job records it (the first `MAX_RECORDED_FAILURES`). */
export interface ReplayFailure {
  eventId: string;
  workflowId: string;
  executionName: string;
  /** The bus's error code, e.g. `MalformedDetail`. */
  reason: string;
  message: string;
}

/** How many failures a job keeps with it; the rest are counted and dead-lettered. */
export const MAX_RECORDED_FAILURES = 100;

/** A job as stored: the job, its step version, the failures recorded, and when the next send may go. */
export interface StoredReplayJob {
  job: ReplayJob;
  version: number;
  failures: ReplayFailure[];
  /** Epoch ms before which the next send must not go (rate control across pages). */
  pacedUntil?: number;
}

/** What a step records after a batch: where it got to and the totals so far. */
export interface ReplayProgress {
  cursor?: EventPosition;
  matched: number;
  emitted: number;
  failed: number;
  scanned: number;
  sample: string[];
  failures: ReplayFailure[];
  pacedUntil?: number;
  /** What the step is about to act on, saved before it acts (null once dealt with): a resumed step deals with it first. */
  acting?: JobActing | null;
}

/**
 * The execution a bulk action's step is acting on: where it stands in the selection and, for a redrive, the count and
 * end the record had before it (the redrive's client token is made from the count).
 */
export interface JobActing {
  name: string;
  position: EventPosition;
  redriveCount?: number;
  end?: Pick<ExecutionEnd, 'status' | 'stoppedAt' | 'error'>;
}

/** Replay jobs, stepped under an optimistic version so that two steps never run one job at once. */
export interface ReplayJobStore {
  /** @throws ConflictError when the id is taken. */
  create(job: ReplayJob, expiresAt: number): Promise<void>;
  get(replayId: string): Promise<StoredReplayJob | undefined>;
  /** Takes the job for one step: version v → v+1 while it runs. `undefined` when another step took it first or it stopped. */
  claim(replayId: string, version: number): Promise<StoredReplayJob | undefined>;
  /** Records a step's progress under its claim (version v → v+1). `undefined` when the claim was lost. */
  saveProgress(replayId: string, version: number, progress: ReplayProgress): Promise<StoredReplayJob | undefined>;
  /** Ends a running job under the step's claim. False when it had stopped (e.g. cancelled). */
  finish(replayId: string, version: number, status: Extract<ReplayStatus, 'completed' | 'failed'>, finishedAt: string, error?: string): Promise<boolean>;
  /**
   * Cancels a running job (a stopped one is returned as it is).
   * @throws NotFoundError when there is no such job.
   */
  cancel(replayId: string, finishedAt: string): Promise<StoredReplayJob>;
}

/** An entry the bus did not take, and why. */
export interface RefusedEntry {
  entry: ReplayBusEntry;
  /** The bus's error code (`MalformedDetail`, …), `EntryTooLarge`, or the last retryable code when resends ran out. */
  code: string;
  message: string;
}

export interface EmitResult {
  /** Entries the bus accepted. */
  emitted: number;
  refused: RefusedEntry[];
  /** Calls made to the bus, resends included. */
  calls: number;
}

/** The bus replayed events go on, in order; each per-workflow rule starts its workflow. */
export interface ReplayEmitter {
  /** The most entries one `emit` call should carry. */
  readonly maxEntriesPerCall: number;
  emit(entries: readonly ReplayBusEntry[]): Promise<EmitResult>;
}
