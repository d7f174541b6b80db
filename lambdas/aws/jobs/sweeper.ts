/**
 * The sweeper adapter, run every few minutes by a schedule: routes the events stored but never
 * routed (see lambdas/core/app/sweeper.ts) through the router's own code, then runs the correlation
 * metrics pass (lambdas/core/app/correlation-metrics-pass.ts) on the same schedule. Invoked with
 * `{ "eventIds": [...] }` (by `edwe dlq redrive`), it routes those events now and answers each.
 */
import type { Context } from 'aws-lambda';
import * as z from '../../core/schema.js';
import type { CorrelationMetricsPass } from '../../core/app/correlation-metrics-pass.js';
import { NO_METRICS, type EngineMetrics, type RouteByIdOutcome, type SweepReport, type UnroutedSweeper } from '../../core/index.js';
import type { PowertoolsLogs } from '../powertools-logger.js';
import { logger as sharedLogger } from '../wiring/powertools.js';

/** Time kept back from the invocation's deadline for the event in hand and the answer. */
const SAFETY_MARGIN_MS = 20_000;

/** A redrive's request; anything else (the schedule's event) means "sweep". */
const RouteRequest = z.object({ eventIds: z.array(z.string().check(z.minLength(1))).check(z.minLength(1), z.maxLength(500)) });

export interface SweeperDeps {
  sweeper: Pick<UnroutedSweeper, 'sweep' | 'routeByIds'>;
  /** The correlation metrics pass, run after each scheduled sweep. */
  correlations?: Pick<CorrelationMetricsPass, 'run'>;
  logger?: Pick<PowertoolsLogs, 'info' | 'warn' | 'error'>;
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
  const metrics = deps.metrics ?? NO_METRICS;
  return async (input, context) => {
    const request = RouteRequest.safeParse(input);
    if (request.success) {
      const results = await deps.sweeper.routeByIds(request.data.eventIds);
      const routed = results.filter((r) => r.outcome === 'routed').length;
      metrics.count('EventsSwept', routed);
      log.info('events routed on request', { requested: results.length, routed, results });
      return { results };
    }
    const deadline = context === undefined ? undefined : Date.now() + context.getRemainingTimeInMillis() - SAFETY_MARGIN_MS;
    const report = await deps.sweeper.sweep(deadline);
    metrics.count('EventsSwept', report.routed.length);
    metrics.count('EventsParked', report.parked.length);
    metrics.count('RecordsFailed', report.failed.length);
    const summary = {
      found: report.found,
      routed: report.routed.length,
      failed: report.failed.length,
      parked: report.parked.length,
      skipped: report.skipped,
      stoppedEarly: report.stoppedEarly,
    };
    if (report.found === 0) log.info('sweep found no unrouted events', summary);
    else log.warn('sweeper found unrouted events', { ...summary, routedIds: report.routed, failedIds: report.failed, parkedIds: report.parked });
    // A failed pass is logged, not the invocation failed: the sweep is done, and the next pass closes what this one left.
    if (deps.correlations !== undefined) {
      try {
        log.info('correlation metrics', { ...(await deps.correlations.run(deadline)) });
      } catch (error) {
        log.error('correlation metrics pass failed', { error: error as Error });
      }
    }
    return report;
  };
}
