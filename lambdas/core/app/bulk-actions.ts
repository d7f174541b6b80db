/**
 * Bulk actions — `POST/GET/DELETE /executions/actions`: stop or redrive every execution a filter selects, paced, as a
 * durable job. A job is kept by the replay job machinery (the `ReplayJobStore` port and its adapters, in a store of its
 * own): created, claimed step by step under a version, its progress saved after each execution, cancelled by status.
 * A job a crash interrupted resumes from its cursor; an execution this action redrove already is not redriven again.
 */
import type { Clock } from '../clock.js';
import { isEngineError, NotFoundError, ValidationError } from '../errors.js';
import type { ExecutionRecord } from '../execution.js';
import type { ExecutionStore, StoredExecution } from '../ports/executions.js';
import type { JobActing, ReplayJobStore, StoredReplayJob } from '../ports/replay.js';
import type { EventPosition } from '../query.js';
import type { ReplayJob, ReplayRequest, ReplayStatus } from '../replay.js';
import type { BulkActionKind, BulkActionRequest, BulkFilter } from './bulk-action-request.js';
import type { ExecutionActions } from './execution-actions.js';
import { ReplayPacer } from './replay-pacer.js';
import { withBackoff } from './retry.js';

/** The most executions one action selects. */
export const MAX_BULK_MATCHES = 100_000;
/** Executions one listing page reads. */
const PAGE = 100;
const SAMPLE = 20;

/** A bulk action as `GET /executions/actions/{id}` shows it. */
export interface BulkActionView {
  actionId: string;
  status: ReplayStatus;
  action: BulkActionKind;
  filter: BulkFilter;
  dryRun: boolean;
  ratePerSecond: number;
  matched: number;
  done: number;
  failed: number;
  /** Executions selected that needed nothing any more (ended, or redriven by this action before a crash). */
  skipped: number;
  /** 0…1: the share of the matched executions dealt with. */
  progress: number;
  /** The first names selected (a dry run's preview). */
  sample: string[];
  createdAt: string;
  finishedAt?: string;
  error?: string;
}

/** The job as the replay job store keeps it: `emitted` counts the executions done, `scanned` those dealt with. */
type StoredAction = ReplayJob & { request: ReplayRequest & { bulk: BulkActionRequest }; skipped?: number; acting?: JobActing | null };

type Outcome = 'done' | 'failed' | 'skipped';

export interface BulkActionsDeps {
  jobs: ReplayJobStore;
  executions: Pick<ExecutionStore, 'get' | 'recent' | 'byCorrelation'>;
  actions: Pick<ExecutionActions, 'stop' | 'redrive' | 'resendRedrive'>;
  clock: Clock;
  newId: () => string;
  /** Waits (the pace); the embedded loop's can be woken by a cancel. */
  sleep: (ms: number) => Promise<void>;
  /** Days a job's record is kept. Default 30. */
  retentionDays?: number;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * @example const { actionId } = await bulk.start(parseBulkActionRequest(body), 'ops@example.com'); await bulk.run(actionId)
 */
export class BulkActions {
  constructor(private readonly deps: BulkActionsDeps) {}

  /** Counts what the filter selects and records the job (a dry run ends here, `completed`). The caller then drives `run`. */
  async start(request: BulkActionRequest): Promise<BulkActionView> {
    const { jobs, clock } = this.deps;
    const now = clock.now();
    const { count, sample } = await this.count(request.filter);
    const job: StoredAction = {
      replayId: `act-${this.deps.newId()}`,
      status: request.dryRun ? 'completed' : 'running',
      request: { bulk: request } as StoredAction['request'],
      matched: count,
      emitted: 0,
      failed: 0,
      scanned: 0,
      sample,
      createdAt: iso(now),
      ...(request.dryRun ? { finishedAt: iso(now) } : {}),
    };
    await jobs.create(job, Math.floor(now / 1000) + (this.deps.retentionDays ?? 30) * 86_400);
    return bulkActionView(job);
  }

  /** @throws NotFoundError when there is no such action. */
  async get(actionId: string): Promise<BulkActionView> {
    return bulkActionView((await this.stored(actionId)).job as StoredAction);
  }

  /** Cancels a running action (it stops before its next execution); an ended one is answered as it is. */
  async cancel(actionId: string): Promise<BulkActionView> {
    await this.stored(actionId);
    return bulkActionView((await this.deps.jobs.cancel(actionId, iso(this.deps.clock.now()))).job as StoredAction);
  }

  /**
   * Acts on the selected executions from the job's cursor on, one by one at the job's pace, saving progress after
   * each, until none is left (`completed`), the job is cancelled, or `budgetMs` has passed (answers true: more to do).
   */
  async run(actionId: string, budgetMs = Number.POSITIVE_INFINITY): Promise<boolean> {
    const { jobs, clock } = this.deps;
    const until = clock.now() + budgetMs;
    const found = await jobs.get(actionId);
    if (found === undefined || found.job.status !== 'running') return false;
    const claimed = await jobs.claim(actionId, found.version);
    if (claimed === undefined) return false;
    let stored: StoredReplayJob = claimed;
    const request = (stored.job as StoredAction).request.bulk;
    const pacer = new ReplayPacer(request.ratePerSecond, clock, stored.pacedUntil);
    let cursor = stored.job.cursor;
    /** Saves the totals with `outcome` counted (and what is being acted on next); false when the job is not running any more. */
    const save = async (outcome: Outcome | undefined, acting: JobActing | null): Promise<boolean> => {
      const job = stored.job as StoredAction;
      const totals = {
        matched: job.matched,
        emitted: job.emitted + (outcome === 'done' ? 1 : 0),
        failed: job.failed + (outcome === 'failed' ? 1 : 0),
        scanned: job.scanned + (outcome === undefined ? 0 : 1),
        sample: job.sample,
        failures: stored.failures,
        ...(cursor === undefined ? {} : { cursor }),
        ...(pacer.next === undefined ? {} : { pacedUntil: pacer.next }),
        acting,
      };
      const saved = await jobs.saveProgress(actionId, stored.version, totals);
      if (saved === undefined || saved.job.status !== 'running') return false;
      stored = saved;
      return true;
    };
    // The execution a step died acting on is dealt with first: it may have left the selection (a redrive's record is
    // RUNNING before the redrive is sent), so the listing would not show it again.
    const interrupted = (stored.job as StoredAction).acting;
    if (interrupted) {
      const outcome = await this.resume(actionId, request, interrupted);
      cursor = interrupted.position;
      if (!(await save(outcome, null))) return false;
    }
    for (;;) {
      const page = await this.page(request.filter, cursor);
      for (const execution of page.executions) {
        if (clock.now() >= until) return true;
        await this.deps.sleep(pacer.delay());
        const current = await this.deps.executions.get(execution.name);
        const acting = current === undefined ? undefined : actingOn(current);
        // Saved before acting (a cancel during the wait is seen here, before the execution is touched).
        if (acting !== undefined && !(await save(undefined, acting))) return false;
        const outcome = current === undefined ? 'skipped' : await this.act(actionId, request, current);
        if (outcome !== 'skipped') pacer.sent(1);
        cursor = { timestamp: execution.startedAt, id: execution.name };
        if (!(await save(outcome, null))) return false;
      }
      if (page.more === false) break;
    }
    await jobs.finish(actionId, stored.version, 'completed', iso(clock.now()));
    return false;
  }

  /** Stops or redrives one execution; one this action redrove already (before a crash) or that ended meanwhile is skipped. */
  private async act(actionId: string, request: BulkActionRequest, current: StoredExecution): Promise<Outcome> {
    const by = `bulk:${actionId}`;
    if (current.status !== request.filter.status) return 'skipped';
    if (request.action === 'redrive' && (current.redrives ?? []).some((r) => r.by === by)) return 'skipped';
    // A throttled call is tried again (the pace should keep that rare).
    if (request.action === 'stop') return this.attempt(() => this.deps.actions.stop(current.name, by));
    return this.attempt(() => this.deps.actions.redrive(current.name, by));
  }

  /**
   * The execution a step died acting on: a redrive whose record was written is sent again (the same count, so the same
   * client token: Step Functions takes both as one); a stop that got through counts as done; anything else is acted on
   * as the listing would have.
   */
  private async resume(actionId: string, request: BulkActionRequest, acting: JobActing): Promise<Outcome> {
    const by = `bulk:${actionId}`;
    const current = await this.deps.executions.get(acting.name);
    if (current === undefined) return 'skipped';
    const ours = (current.redrives ?? []).at(-1)?.by === by && current.redriveCount === (acting.redriveCount ?? 0) + 1;
    if (request.action === 'redrive' && ours) {
      // Ended since: the redriven run ran (a redrive never sent leaves the record RUNNING on AWS).
      if (current.status !== 'RUNNING' || acting.end === undefined) return 'done';
      const before = { redriveCount: acting.redriveCount ?? 0, end: acting.end };
      return this.attempt(async () => (await this.deps.actions.resendRedrive(acting.name, by, before)) ?? { execution: current });
    }
    if (request.action === 'stop' && current.status === 'ABORTED' && current.error?.cause === `stopped by ${by}`) return 'done';
    return this.act(actionId, request, current);
  }

  /** One action on one execution: a refusal (an engine error) counts as failed; anything else (a store gone, a bug) ends the step, and the job resumes. */
  private async attempt(action: () => Promise<unknown>): Promise<Outcome> {
    try {
      await withBackoff(action, { tries: 5 });
      return 'done';
    } catch (error) {
      if (isEngineError(error)) return 'failed';
      throw error;
    }
  }

  private async count(filter: BulkFilter): Promise<{ count: number; sample: string[] }> {
    let count = 0;
    const sample: string[] = [];
    let cursor: EventPosition | undefined;
    for (;;) {
      const page = await this.page(filter, cursor);
      for (const execution of page.executions) {
        if (sample.length < SAMPLE) sample.push(execution.name);
        count++;
        cursor = { timestamp: execution.startedAt, id: execution.name };
      }
      if (count > MAX_BULK_MATCHES) {
        const message = `selects more than ${MAX_BULK_MATCHES} executions: narrow it (workflowId, from, to)`;
        throw new ValidationError(`Invalid bulk action: filter: ${message}`, [{ path: 'filter', message }]);
      }
      if (!page.more) return { count, sample };
    }
  }

  /** One page of the selection, newest first, after `cursor`; a correlation's executions are one page. */
  private async page(filter: BulkFilter, cursor: EventPosition | undefined): Promise<{ executions: ExecutionRecord[]; more: boolean }> {
    const { executions } = this.deps;
    if (filter.correlationId !== undefined) {
      if (cursor !== undefined) return { executions: [], more: false };
      const all = await executions.byCorrelation(filter.correlationId);
      const selected = all.filter(
        (e) =>
          e.status === filter.status &&
          (filter.workflowId === undefined || e.workflowId === filter.workflowId) &&
          (filter.from === undefined || e.startedAt >= filter.from) &&
          (filter.to === undefined || e.startedAt < filter.to),
      );
      return { executions: selected.reverse(), more: false };
    }
    const listing = { status: filter.status, limit: PAGE, ...optional(filter), ...(cursor === undefined ? {} : { before: cursor }) };
    const page = await executions.recent(listing);
    return { executions: page.executions, more: page.cursor !== undefined };
  }

  private async stored(actionId: string): Promise<StoredReplayJob> {
    const stored = actionId.startsWith('act-') ? await this.deps.jobs.get(actionId) : undefined;
    if (stored === undefined) throw new NotFoundError(`No bulk action with id "${actionId}"`);
    return stored;
  }
}

/** What is saved before acting on an execution: its place in the selection, and for a redrive the count and end it has now. */
function actingOn(execution: StoredExecution): JobActing {
  const acting: JobActing = { name: execution.name, position: { timestamp: execution.startedAt, id: execution.name }, redriveCount: execution.redriveCount ?? 0 };
  if (execution.status !== 'RUNNING' && execution.status !== ('QUEUED' as string)) {
    acting.end = { status: execution.status as NonNullable<JobActing['end']>['status'], stoppedAt: execution.stoppedAt ?? execution.startedAt };
    if (execution.error !== undefined) acting.end.error = execution.error;
  }
  return acting;
}

function optional(filter: BulkFilter): { workflowId?: string; from?: string; to?: string } {
  return {
    ...(filter.workflowId === undefined ? {} : { workflowId: filter.workflowId }),
    ...(filter.from === undefined ? {} : { from: filter.from }),
    ...(filter.to === undefined ? {} : { to: filter.to }),
  };
}

/** The API view of a stored job. */
export function bulkActionView(job: StoredAction | ReplayJob): BulkActionView {
  const action = job as StoredAction;
  const { bulk } = action.request;
  const dealt = job.scanned;
  const view: BulkActionView = {
    actionId: job.replayId,
    status: job.status,
    action: bulk.action,
    filter: bulk.filter,
    dryRun: bulk.dryRun,
    ratePerSecond: bulk.ratePerSecond,
    matched: job.matched,
    done: job.emitted,
    failed: job.failed,
    skipped: Math.max(0, dealt - job.emitted - job.failed),
    progress: job.status === 'completed' || job.matched === 0 ? 1 : Math.min(1, dealt / job.matched),
    sample: job.sample,
    createdAt: job.createdAt,
  };
  if (job.finishedAt !== undefined) view.finishedAt = job.finishedAt;
  if (job.error !== undefined) view.error = job.error;
  return view;
}
