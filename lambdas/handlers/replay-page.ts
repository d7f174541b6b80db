/**
 * The replay page Lambda: the task the replay driver state machine calls in a loop. Each call runs
 * one page of a job (see ReplayPageRunner) and tells the driver whether more follows, whether to
 * wait first (rate control) and whether to continue as a new execution.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { Logger } from '@aws-lambda-powertools/logger';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { EventBridgeReplayEmitter } from '../aws/eventbridge-replay-emitter.js';
import { ReplayPageRunner, type ReplayPageInput, type ReplayPageResult } from '../aws/replay-page-runner.js';
import { validationErrorOf } from '../core/index.js';
import { parseEnv, requiredVar } from './env.js';
import { count, type EngineMetrics } from './metric-names.js';
import { logger as sharedLogger, metrics as sharedMetrics, tracer } from './powertools.js';
import { bundledRuleSet, RateCeilingEnv, replayJobsFrom, StateTableEnv } from './replay-wiring.js';
import { DeadLetterEnv, deadLettersFrom, storeFrom, StoreEnv } from './wiring.js';

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

const PageEnv = StoreEnv.extend(StateTableEnv.shape).extend(DeadLetterEnv.shape).extend(RateCeilingEnv.shape).extend({ EVENT_BUS_NAME: requiredVar() });

/** The production dependencies, from the environment the `Replay` construct sets and the bundled rules. */
export function replayPageDepsFromEnv(env: Record<string, string | undefined> = process.env, rulesJson?: string): ReplayPageDeps {
  const config = parseEnv(PageEnv, env);
  const emitter = new EventBridgeReplayEmitter({ client: tracer.captureAWSv3Client(new EventBridgeClient({})), eventBusName: config.EVENT_BUS_NAME });
  const runner = new ReplayPageRunner({
    jobs: replayJobsFrom(config),
    events: storeFrom(config),
    emitter,
    deadLetters: deadLettersFrom(config),
    ruleSet: bundledRuleSet(rulesJson),
    // Counted as each PutEvents batch is answered, so a page that fails halfway still reports what it sent.
    onEmitted: ({ emitted, failed }) => {
      count(sharedMetrics, 'ReplayEventsEmitted', emitted);
      count(sharedMetrics, 'ReplayEventsFailed', failed);
    },
    ...(config.REPLAY_MAX_RATE === undefined ? {} : { maxRatePerSecond: config.REPLAY_MAX_RATE }),
  });
  return { runner, logger: sharedLogger, metrics: sharedMetrics };
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
