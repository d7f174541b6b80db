/**
 * The replay page Lambda: the task the replay driver state machine calls in a loop. Each call runs
 * one page of a job (core's ReplayPageRunner) and tells the driver whether more follows, whether to
 * wait first (rate control) and whether to continue as a new execution.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { replayPageRunnerFromEnv } from '../aws/wiring/replay.js';
import { validationErrorOf, type ReplayPageInput, type ReplayPageResult, type ReplayPageRunner } from '../core/index.js';
import type { EngineMetrics } from './metric-names.js';
import { logger as sharedLogger, metrics as sharedMetrics, tracer } from './powertools.js';

/** Time kept back from the invocation's deadline: the last batch and its record must fit in it. */
const SAFETY_MARGIN_MS = 15_000;

const PageInput = z.object({
  replayId: z.string().min(1),
  generation: z.number().int().nonnegative().default(0),
  page: z.number().int().nonnegative().default(0),
});

export interface ReplayPageDeps {
  runner: Pick<ReplayPageRunner, 'run'>;
  logger?: Pick<Logger, 'info' | 'error'>;
  metrics?: EngineMetrics;
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
    const result = await deps.runner.run(page, deadline);
    log.info('replay page done', { ...result });
    return result;
  };
}

/** The production dependencies: the runner the AWS wiring builds from the environment and the bundled rules. */
export function replayPageDepsFromEnv(env: Record<string, string | undefined> = process.env, rulesJson?: string): ReplayPageDeps {
  return { runner: replayPageRunnerFromEnv(env, rulesJson), logger: sharedLogger, metrics: sharedMetrics };
}

// Built on the first invocation, not at import: tests import this module without a Lambda environment.
let wired: ReplayPageHandler | undefined;

/** The Lambda entry point. */
export const handler = middy<unknown, ReplayPageResult>(async (input: unknown, context: Context) => {
  wired ??= createReplayPageHandler(replayPageDepsFromEnv());
  return wired(input, context);
})
  .use(injectLambdaContext(sharedLogger))
  .use(captureLambdaHandler(tracer))
  .use(logMetrics(sharedMetrics, { captureColdStartMetric: true }));
