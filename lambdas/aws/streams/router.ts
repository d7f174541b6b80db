/**
 * The router adapter on the Events table's stream: each inserted event is routed by core's
 * EventRouter — one execution per matched rule (exactly once), the multi-event joins, the workflows
 * waiting for it, the routed mark. Failures are reported per record, so one poison event or one
 * throttled start does not send the whole batch round again; an event whose record keeps failing
 * stays unrouted, and the sweeper tries it again later (lambdas/aws/jobs/sweeper.ts).
 *
 * A batch's records are routed side by side, up to `ROUTE_CONCURRENCY` at once: routing is idempotent
 * per event and nothing depends on the order between events (a table's stream already hands
 * different keys to different invocations with a parallelization factor). Records of one event id —
 * a stream may deliver one twice — are routed one after the other, in stream order.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { isEngineError, NO_METRICS, ValidationError } from '../../core/index.js';
import { EVENT_KEY_PREFIX, EVENTS_TABLE } from '../../layout/events-table.js';
import { fromItem } from '../dynamodb-event-store.js';
import { logger as sharedLogger } from '../wiring/powertools.js';
import { routeTraced, type RoutingDeps } from '../wiring/routing.js';

/** What the router needs (the EventRouter's parts); tests pass their own. */
export type RouterDeps = RoutingDeps;

export type RouterHandler = (event: DynamoDBStreamEvent, context?: Context) => Promise<DynamoDBBatchResponse>;

/** Events of one batch routed at once: each takes a few sequential calls; ten keep an invocation busy without bursting the start quota. */
export const ROUTE_CONCURRENCY = 10;

/**
 * The router handler without middlewares.
 * @example const { batchItemFailures } = await createRouterHandler({ ruleSet, starter, joins, waits, marks })(streamEvent)
 */
export function createRouterHandler(deps: RouterDeps, concurrency = ROUTE_CONCURRENCY): RouterHandler {
  const log = deps.logger ?? sharedLogger;
  const metrics = deps.metrics ?? NO_METRICS;
  const route = routeTraced({ ...deps, logger: log, metrics }, concurrency > 1);

  const routeRecord = async (record: DynamoDBRecord): Promise<void> => {
    const sequenceNumber = record.dynamodb?.SequenceNumber;
    // Hour marks share the table (event-hour-marks.ts): the mapping's filter leaves them out, and so does this.
    const key = record.dynamodb?.Keys?.[EVENTS_TABLE.partitionKey]?.S;
    if (key !== undefined && !key.startsWith(EVENT_KEY_PREFIX)) return;
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

  return async (event) => {
    const failed = new Set<DynamoDBRecord>();
    const lanes = [...groupByEvent(event.Records).values()];
    // Each worker takes the next event's records and routes them in order; a failed record fails the later ones of its event too.
    const work = async (): Promise<void> => {
      for (let lane = lanes.shift(); lane !== undefined; lane = lanes.shift()) {
        let failing = false;
        for (const record of lane) {
          if (failing) {
            failed.add(record);
            continue;
          }
          await routeRecord(record).catch(() => {
            failing = true;
            failed.add(record);
          });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, lanes.length)) }, work));
    // Reported in stream order: Lambda resumes the shard from the first one.
    const batchItemFailures = event.Records.filter((record) => failed.has(record)).map((record) => ({ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' }));
    return { batchItemFailures };
  };
}

/** The batch's records by event id (the table's key), each list in stream order; a record without a key is a lane of its own. */
function groupByEvent(records: readonly DynamoDBRecord[]): Map<string, DynamoDBRecord[]> {
  const lanes = new Map<string, DynamoDBRecord[]>();
  records.forEach((record, i) => {
    const key = JSON.stringify(record.dynamodb?.Keys ?? `#${i}`);
    const lane = lanes.get(key);
    if (lane) lane.push(record);
    else lanes.set(key, [record]);
  });
  return lanes;
}
