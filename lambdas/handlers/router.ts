/**
 * The router Lambda on the Events table's stream: each inserted event is routed by core's
 * EventRouter — one execution per matched rule (exactly once), the multi-event joins, the workflows
 * waiting for it, the routed mark. Failures are reported per record, so one poison event or one
 * throttled start does not send the whole batch round again; an event whose record keeps failing
 * stays unrouted, and the sweeper tries it again later (handlers/sweeper.ts).
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import middy from '@middy/core';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { fromItem } from '../aws/dynamodb-event-store.js';
import { routeTraced, routingDepsFromEnv, type RoutingDeps } from '../aws/wiring/routing.js';
import { isEngineError, NO_METRICS, ValidationError } from '../core/index.js';
import { logger as sharedLogger, metrics as sharedMetrics, tracer } from './powertools.js';

/** What the router needs (the EventRouter's parts); tests pass their own. */
export type RouterDeps = RoutingDeps;

export type RouterHandler = (event: DynamoDBStreamEvent, context?: Context) => Promise<DynamoDBBatchResponse>;

/**
 * The router handler without middlewares.
 * @example const { batchItemFailures } = await createRouterHandler({ ruleSet, starter, joins, waits, marks })(streamEvent)
 */
export function createRouterHandler(deps: RouterDeps): RouterHandler {
  const log = deps.logger ?? sharedLogger;
  const metrics = deps.metrics ?? NO_METRICS;
  const processor = new BatchProcessor(EventType.DynamoDBStreams);
  const route = routeTraced({ ...deps, logger: log, metrics });

  const routeRecord = async (record: DynamoDBRecord): Promise<void> => {
    const sequenceNumber = record.dynamodb?.SequenceNumber;
    let item: Record<string, unknown> | undefined;
    try {
      const image = record.dynamodb?.NewImage;
      if (image === undefined) throw new ValidationError('the stream record has no NewImage', [{ path: 'dynamodb.NewImage', message: 'required' }]);
      // aws-lambda's AttributeValue and the SDK's describe the same wire shape under different names.
      item = unmarshall(image as Record<string, AttributeValue>);
      const receivedAt = typeof item.receivedAt === 'string' ? item.receivedAt : undefined;
      await route(fromItem(item), { ...(receivedAt === undefined ? {} : { receivedAt }), via: 'stream' });
    } catch (error) {
      log.error('record failed', {
        sequenceNumber,
        eventId: typeof item?.id === 'string' ? item.id : undefined,
        correlationId: typeof item?.correlationId === 'string' ? item.correlationId : undefined,
        retryable: isEngineError(error) ? error.retryable : undefined,
        error: error as Error,
      });
      metrics.count('RecordsFailed');
      throw error;
    }
  };

  return (event, context) =>
    processPartialResponse(event, routeRecord, processor, {
      ...(context === undefined ? {} : { context }),
      // Stream order is kept within the batch; a full-batch failure is reported like any other, per record.
      processInParallel: false,
      throwOnFullBatchFailure: false,
    });
}

/**
 * The production dependencies (see lambdas/aws/wiring/routing.ts): rules from the bundle, state
 * machines, the State table, and the Events table for the `routedAt` mark.
 * @throws EnvironmentError when a rule's workflow has no state machine ARN, so a bad deploy fails at once.
 */
export const routerDepsFromEnv = (env: Record<string, string | undefined> = process.env, rulesJson?: string): RouterDeps =>
  rulesJson === undefined ? routingDepsFromEnv(env) : routingDepsFromEnv(env, rulesJson);

// Built on the first invocation, not at import: tests import this module without a Lambda environment.
let wired: RouterHandler | undefined;

/** The Lambda entry point. */
export const handler = middy<DynamoDBStreamEvent, DynamoDBBatchResponse>(async (event: DynamoDBStreamEvent, context: Context) => {
  wired ??= createRouterHandler(routerDepsFromEnv());
  return wired(event, context);
})
  .use(injectLambdaContext(sharedLogger))
  .use(captureLambdaHandler(tracer))
  .use(logMetrics(sharedMetrics, { captureColdStartMetric: true }));
