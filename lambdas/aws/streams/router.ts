/**
 * The router adapter on the Events table's stream: each inserted event is routed by core's
 * EventRouter — one execution per matched rule (exactly once), the multi-event joins, the workflows
 * waiting for it, the routed mark. Failures are reported per record, so one poison event or one
 * throttled start does not send the whole batch round again; an event whose record keeps failing
 * stays unrouted, and the sweeper tries it again later (lambdas/aws/jobs/sweeper.ts).
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { isEngineError, NO_METRICS, ValidationError } from '../../core/index.js';
import { fromItem } from '../dynamodb-event-store.js';
import { logger as sharedLogger } from '../wiring/powertools.js';
import { routeTraced, type RoutingDeps } from '../wiring/routing.js';

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
