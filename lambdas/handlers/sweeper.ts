/**
 * The sweeper Lambda, run every few minutes by a schedule: routes the events stored but never
 * routed (see lambdas/aws/unrouted-sweeper.ts) through the router's own code. Invoked with
 * `{ "eventIds": [...] }` (by `edwe dlq redrive`), it routes those events now and answers each.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { DynamoDbRoutingMarks } from '../aws/dynamodb-routing-marks.js';
import { storedItemOf } from '../aws/event-item.js';
import { UnroutedSweeper, type RouteByIdOutcome, type SweepReport } from '../aws/unrouted-sweeper.js';
import { isEngineError } from '../core/index.js';
import { parseEnv, requiredVar } from './env.js';
import { count, type EngineMetrics } from './metric-names.js';
import { logger as sharedLogger, metrics as sharedMetrics, tracer } from './powertools.js';
import { createEventRouting, routingDepsFromEnv, RoutingEnv } from './routing.js';
import { DeadLetterEnv, deadLettersFrom } from './wiring.js';

/** Time kept back from the invocation's deadline for the event in hand and the answer. */
const SAFETY_MARGIN_MS = 20_000;

/** A redrive's request; anything else (the schedule's event) means "sweep". */
const RouteRequest = z.object({ eventIds: z.array(z.string().min(1)).min(1).max(500) });

export interface SweeperDeps {
  sweeper: Pick<UnroutedSweeper, 'sweep' | 'routeByIds'>;
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
  metrics?: EngineMetrics;
}

export type SweeperAnswer = SweepReport | { results: RouteByIdOutcome[] };
export type SweeperHandler = (input: unknown, context?: Pick<Context, 'getRemainingTimeInMillis'>) => Promise<SweeperAnswer>;

/**
 * The sweeper handler without middlewares.
 * @example const report = await createSweeperHandler({ sweeper })({ 'detail-type': 'Scheduled Event' })
 */
export function createSweeperHandler(deps: SweeperDeps): SweeperHandler {
  const log = deps.logger ?? sharedLogger;
  return async (input, context) => {
    const request = RouteRequest.safeParse(input);
    if (request.success) {
      const results = await deps.sweeper.routeByIds(request.data.eventIds);
      const routed = results.filter((r) => r.outcome === 'routed').length;
      count(deps.metrics, 'EventsSwept', routed);
      log.info('events routed on request', { requested: results.length, routed, results });
      return { results };
    }
    const deadline = context === undefined ? undefined : Date.now() + context.getRemainingTimeInMillis() - SAFETY_MARGIN_MS;
    const report = await deps.sweeper.sweep(deadline);
    count(deps.metrics, 'EventsSwept', report.routed.length);
    count(deps.metrics, 'EventsParked', report.parked.length);
    count(deps.metrics, 'RecordsFailed', report.failed.length);
    const summary = { found: report.found, routed: report.routed.length, failed: report.failed.length, parked: report.parked.length, skipped: report.skipped, stoppedEarly: report.stoppedEarly };
    if (report.found === 0) log.info('sweep found no unrouted events', summary);
    else log.warn('sweeper found unrouted events', { ...summary, routedIds: report.routed, failedIds: report.failed, parkedIds: report.parked });
    return report;
  };
}

const SweeperEnv = RoutingEnv.extend(DeadLetterEnv.shape).extend({
  EVENTS_TABLE: requiredVar(),
  SWEEP_MIN_AGE_SECONDS: z.coerce.number().int().positive().default(600),
  SWEEP_MAX_EVENTS: z.coerce.number().int().positive().default(200),
  SWEEP_MAX_ATTEMPTS: z.coerce.number().int().positive().default(3),
});

/** The production dependencies: the router's (rules, state machines, State table, marks), the index, the failure queue. */
export function sweeperDepsFromEnv(env: Record<string, string | undefined> = process.env, rulesJson?: string): SweeperDeps {
  const config = parseEnv(SweeperEnv, env);
  const routing = rulesJson === undefined ? routingDepsFromEnv(env) : routingDepsFromEnv(env, rulesJson);
  const marks = new DynamoDbRoutingMarks({ client: tracer.captureAWSv3Client(new DynamoDBClient({})), tableName: config.EVENTS_TABLE });
  const route = createEventRouting({ ...routing, marks });
  const sweeper = new UnroutedSweeper({
    marks,
    route: (claimed) => route(storedItemOf(claimed), 'sweeper'),
    deadLetters: deadLettersFrom(config),
    minAgeMs: config.SWEEP_MIN_AGE_SECONDS * 1000,
    maxEvents: config.SWEEP_MAX_EVENTS,
    maxAttempts: config.SWEEP_MAX_ATTEMPTS,
    onFailed: (eventId, attempts, error) =>
      sharedLogger.error('sweep of an event failed', { eventId, attempts, retryable: isEngineError(error) ? error.retryable : undefined, error: error as Error }),
  });
  return { sweeper, logger: sharedLogger, metrics: sharedMetrics };
}

// Built on the first invocation, not at import: tests import this module without a Lambda environment.
let wired: SweeperHandler | undefined;

/** The Lambda entry point. */
export const handler = middy<unknown, SweeperAnswer>(async (input: unknown, context: Context) => {
  wired ??= createSweeperHandler(sweeperDepsFromEnv());
  return wired(input, context);
})
  .use(injectLambdaContext(sharedLogger))
  .use(captureLambdaHandler(tracer))
  .use(logMetrics(sharedMetrics, { captureColdStartMetric: true }));
