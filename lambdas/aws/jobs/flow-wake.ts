/**
 * The flow-control wake-up consumer, on the wake-up queue (lib/flow-control.ts): each message is a
 * `WakeUp` (lambdas/aws/sqs-wake-ups.ts). One that is due goes to the flow-control application's
 * `wake`; one due later than SQS could delay it is sent on again with the delay left. Failures are
 * reported per message (ReportBatchItemFailures): SQS delivers those again after the visibility
 * timeout, and moves a message that keeps failing to the queue's dead-letter queue.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { Clock } from '../../core/clock.js';
import { isEngineError, ValidationError } from '../../core/errors.js';
import type { WakeUp, WakeUpScheduler } from '../../core/ports/flow-wakeups.js';
import type { PowertoolsLogs } from '../powertools-logger.js';
import { WakeUpMessage } from '../sqs-wake-ups.js';
import { logger as sharedLogger } from '../wiring/powertools.js';

/** A wake-up this close to its time is due: SQS rounds delays to whole seconds, and an early wake-up is harmless. */
const EARLY_TOLERANCE_MS = 1_000;

/** What the consumer needs; tests pass their own. */
export interface FlowWakeDeps {
  /** The flow-control application's `wake`: looks at the rule's key again. */
  wake: (wakeUp: WakeUp) => Promise<void>;
  /** Where a wake-up not yet due is sent again (the same queue). */
  scheduler: WakeUpScheduler;
  clock: Clock;
  logger?: Pick<PowertoolsLogs, 'info' | 'warn' | 'error'>;
  /** `WakeUps`, `WakeUpsDeferred`, `WakeUpsFailed`: this consumer's own counts, AWS only (the embedded timer loop has no queue). */
  metrics?: Pick<Metrics, 'addMetric'>;
}

export type FlowWakeHandler = (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse>;

/**
 * The message's wake-up.
 * @throws ValidationError when the body is not a wake-up's JSON (naming what is wrong).
 */
export function wakeUpOf(record: Pick<SQSRecord, 'body' | 'messageId'>): WakeUp {
  let json: unknown;
  try {
    json = JSON.parse(record.body);
  } catch {
    throw new ValidationError(`message ${record.messageId} is not JSON`, [{ path: 'body', message: 'must be the JSON of a wake-up' }]);
  }
  const parsed = WakeUpMessage.safeParse(json);
  if (parsed.success) return parsed.data;
  const details = parsed.error.issues.map((issue) => ({ path: `body.${issue.path.map(String).join('.')}`, message: issue.message }));
  throw new ValidationError(`message ${record.messageId} is not a wake-up: ${details.map((d) => `${d.path} ${d.message}`).join('; ')}`, details);
}

/**
 * The consumer without middlewares.
 * @example const { batchItemFailures } = await createFlowWakeHandler({ wake, scheduler, clock })(sqsEvent)
 */
export function createFlowWakeHandler(deps: FlowWakeDeps): FlowWakeHandler {
  const log = deps.logger ?? sharedLogger;
  const count = (name: 'WakeUps' | 'WakeUpsDeferred' | 'WakeUpsFailed') => deps.metrics?.addMetric(name, MetricUnit.Count, 1);
  const processor = new BatchProcessor(EventType.SQS);

  const handle = async (record: SQSRecord, wakeUp: WakeUp | undefined): Promise<void> => {
    try {
      if (wakeUp === undefined) wakeUp = wakeUpOf(record);
      if (Date.parse(wakeUp.dueAt) - deps.clock.now() > EARLY_TOLERANCE_MS) {
        // Due beyond the 15 minutes SQS could delay it: on to the next leg.
        await deps.scheduler.schedule([wakeUp]);
        count('WakeUpsDeferred');
        return;
      }
      await deps.wake(wakeUp);
      count('WakeUps');
    } catch (error) {
      log.error('wake-up failed', {
        messageId: record.messageId,
        receiveCount: record.attributes.ApproximateReceiveCount,
        ...(wakeUp === undefined ? {} : { ruleId: wakeUp.ruleId, key: wakeUp.key, dueAt: wakeUp.dueAt }),
        retryable: isEngineError(error) ? error.retryable : undefined,
        error: error as Error,
      });
      count('WakeUpsFailed');
      throw error;
    }
  };

  return (event, context) => {
    // Wake-ups of different keys run side by side; those of one key one after the other, so that two wakes of a key do
    // not race to start its same next trigger (harmless, the start is idempotent, but a wasted StartExecution).
    const lanes = new Map<string, Promise<void>>();
    const inLane = (record: SQSRecord): Promise<void> => {
      let wakeUp: WakeUp | undefined;
      try {
        wakeUp = wakeUpOf(record);
      } catch {
        return handle(record, undefined);
      }
      const lane = JSON.stringify([wakeUp.ruleId, wakeUp.key]);
      const run = (lanes.get(lane) ?? Promise.resolve()).catch(() => undefined).then(() => handle(record, wakeUp));
      lanes.set(lane, run);
      return run;
    };
    return processPartialResponse(event, inLane, processor, {
      ...(context === undefined ? {} : { context }),
      processInParallel: true,
      throwOnFullBatchFailure: false,
    });
  };
}
