/**
 * The replay page adapter: the task the replay driver state machine calls in a loop. Each call runs
 * one page of a job (core's ReplayPageRunner) and tells the driver whether more follows, whether to
 * wait first (rate control) and whether to continue as a new execution. A thrown error is a Step
 * Functions task failure: the driver retries it, then marks the job failed (lib/replay-driver.ts).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import * as z from '../../core/schema.js';
import { validationErrorOf, type ReplayPageInput, type ReplayPageResult, type ReplayPageRunner } from '../../core/index.js';
import type { PowertoolsMetricsSink } from '../powertools-engine-metrics.js';
import { logger as sharedLogger } from '../wiring/powertools.js';

/** Time kept back from the invocation's deadline: the last batch and its record must fit in it. */
const SAFETY_MARGIN_MS = 15_000;

const PageInput = z.object({
  replayId: z.string().check(z.minLength(1)),
  generation: z._default(z.number().check(z.int(), z.nonnegative()), 0),
  page: z._default(z.number().check(z.int(), z.nonnegative()), 0),
});

export interface ReplayPageDeps {
  runner: Pick<ReplayPageRunner, 'run'>;
  /** Brings the runner's current rules up to date with the managed layer before a page (one small read between refreshes). */
  refreshRules?: () => Promise<void>;
  logger?: Pick<Logger, 'info' | 'error'>;
  metrics?: PowertoolsMetricsSink;
}

export type ReplayPageHandler = (input: unknown, context?: Pick<Context, 'getRemainingTimeInMillis'>) => Promise<ReplayPageResult>;

/**
 * The page handler without middlewares.
 * @example const result = await createReplayPageHandler({ runner })({ replayId, generation: 0, page: 0 })
 * @throws ValidationError for input that is not a page request (the driver fails the job).
 */
export function createReplayPageHandler(deps: ReplayPageDeps): ReplayPageHandler {
  const log = deps.logger ?? sharedLogger;
  return async (input, context) => {
    const parsed = PageInput.safeParse(input);
    if (!parsed.success) {
      throw validationErrorOf('The replay page input is not {replayId, generation, page}', parsed.error.issues, { listDetails: false });
    }
    const page: ReplayPageInput = parsed.data;
    const deadline = context === undefined ? undefined : Date.now() + context.getRemainingTimeInMillis() - SAFETY_MARGIN_MS;
    await deps.refreshRules?.();
    const result = await deps.runner.run(page, deadline);
    log.info('replay page done', { ...result });
    return result;
  };
}
