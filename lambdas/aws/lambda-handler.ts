/**
 * The one wrapper every Lambda entry in lambdas/handlers/ is: middy with the Powertools logger,
 * tracer and metrics middlewares around a handler built once per container, on its first invocation.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy, { type MiddyfiedHandler } from '@middy/core';
import type { Context } from 'aws-lambda';
import { logger as sharedLogger, metrics as sharedMetrics, tracer as sharedTracer } from './wiring/powertools.js';

/** A driving adapter: the AWS event (and the invocation's context) in, the AWS answer out. */
export type AdapterHandler<E, R> = (event: E, context: Context) => Promise<R>;

/** The Powertools utilities the middlewares use. Default: the shared ones (lambdas/aws/wiring/powertools.ts); tests pass their own. */
export interface LambdaHandlerOptions {
  logger?: Logger;
  tracer?: Tracer;
  metrics?: Metrics;
}

/**
 * The Lambda entry point: `createHandler(buildDeps())` under middy, with the Lambda context in
 * every log line, the invocation traced and the metrics flushed as EMF (cold start included).
 *
 * The dependencies are built on the first invocation and kept for the container's life — not at
 * import, so tests import entry modules without a Lambda environment. `buildDeps` parses the
 * environment (lambdas/aws/wiring/env.ts `parseEnv`): a missing or malformed variable fails that
 * first invocation, naming the variable, and the next invocation tries again.
 * @example export const handler = lambdaHandler(queryDepsFromEnv, createQueryHandler);
 */
export function lambdaHandler<D, E, R>(
  buildDeps: () => D,
  createHandler: (deps: D) => AdapterHandler<E, R>,
  options: LambdaHandlerOptions = {},
): MiddyfiedHandler<E, R, Error, Context> {
  let wired: AdapterHandler<E, R> | undefined;
  return middy<E, R, Error, Context>(async (event: E, context: Context) => {
    wired ??= createHandler(buildDeps());
    return wired(event, context);
  })
    .use(injectLambdaContext(options.logger ?? sharedLogger))
    .use(captureLambdaHandler(options.tracer ?? sharedTracer))
    .use(logMetrics(options.metrics ?? sharedMetrics, { captureColdStartMetric: true }));
}
