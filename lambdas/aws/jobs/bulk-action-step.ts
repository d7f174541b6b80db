/**
 * The bulk action step: the task the bulk action driver (the replay driver's state machine, lib/replay-driver.ts) calls
 * in a loop. Each call acts on the job's executions from its cursor for as long as the invocation allows (core's
 * `BulkActions.run`) and tells the driver whether more follows and whether to continue as a new execution. A thrown
 * error is a task failure: the driver runs the step again from the recorded cursor, then marks the job failed.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import type { BulkActions } from '../../core/app/bulk-actions.js';
import { validationErrorOf } from '../../core/errors.js';
import * as z from '../../core/schema.js';
import { logger as sharedLogger } from '../wiring/powertools.js';

/**
 * Time kept back from the invocation's deadline: the longest wait the pace asks for (1 / 0.01 per second), then one
 * execution's stop or redrive with its retries and the progress write.
 */
export const STEP_MARGIN_MS = 100_000 + 15_000;
/** Steps one driver execution runs before it continues as a new one (its history stays far below 25,000 events). */
export const MAX_STEPS_PER_EXECUTION = 500;

const StepInput = z.object({
  replayId: z.string().check(z.minLength(1)),
  generation: z._default(z.number().check(z.int(), z.nonnegative()), 0),
  page: z._default(z.number().check(z.int(), z.nonnegative()), 0),
});

/** What the driver reads from a step (the replay page's shape: the driver is the same state machine). */
export interface BulkActionStepResult {
  replayId: string;
  generation: number;
  page: number;
  status: string;
  more: boolean;
  continueAsNew: boolean;
  waitSeconds: number;
}

export interface BulkActionStepDeps {
  bulk: Pick<BulkActions, 'run' | 'get'>;
  logger?: Pick<Logger, 'info'>;
  /** Default `MAX_STEPS_PER_EXECUTION`. */
  maxStepsPerExecution?: number;
}

export type BulkActionStepHandler = (input: unknown, context?: Pick<Context, 'getRemainingTimeInMillis'>) => Promise<BulkActionStepResult>;

/**
 * The step handler without middlewares.
 * @example const result = await createBulkActionStepHandler({ bulk })({ replayId: 'act-01J…', generation: 0, page: 0 }, context)
 * @throws ValidationError for input that is not a step request (the driver fails the job).
 */
export function createBulkActionStepHandler(deps: BulkActionStepDeps): BulkActionStepHandler {
  const log = deps.logger ?? sharedLogger;
  const maxSteps = deps.maxStepsPerExecution ?? MAX_STEPS_PER_EXECUTION;
  return async (input, context) => {
    const parsed = StepInput.safeParse(input);
    if (!parsed.success) throw validationErrorOf('The bulk action step input is not {replayId, generation, page}', parsed.error.issues, { listDetails: false });
    const { replayId, generation, page } = parsed.data;
    const budgetMs = context === undefined ? Number.POSITIVE_INFINITY : Math.max(1_000, context.getRemainingTimeInMillis() - STEP_MARGIN_MS);
    const more = await deps.bulk.run(replayId, budgetMs);
    const { status, done, failed, skipped, matched } = await deps.bulk.get(replayId);
    const continueAsNew = more && page + 1 >= maxSteps;
    const result: BulkActionStepResult = {
      replayId,
      generation: continueAsNew ? generation + 1 : generation,
      page: continueAsNew ? 0 : page + 1,
      status,
      // A job cancelled, or claimed by another step, ends this driver: `run` answers false for both.
      more,
      continueAsNew,
      waitSeconds: 0,
    };
    log.info('bulk action step done', { actionId: replayId, status, matched, done, failed, skipped, more });
    return result;
  };
}
