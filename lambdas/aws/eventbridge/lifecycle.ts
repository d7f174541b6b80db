/**
 * The lifecycle adapter, target of the default bus's rule for the engine's own Step Functions
 * "Execution Status Change" events (Standard workflows), and subscribed to the Express workflows'
 * log groups (lambdas/aws/express-log-changes.ts): each change updates the execution record and is
 * stored as a `workflow.*` event in the Events table, where the router's stream picks it up so rules
 * can chain. Both invoke it asynchronously: a thrown error is retried by Lambda, then dead-lettered.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { EventBridgeEvent } from 'aws-lambda';
import * as z from '../../core/schema.js';
import { validationErrorOf, type ExecutionLifecycle, type LifecycleOutcome } from '../../core/index.js';
import { emitCountForWorkflow, type PowertoolsMetricsSink } from '../powertools-engine-metrics.js';
import { decodeLogsSubscription, isLogsSubscriptionEvent, type LogsSubscriptionEvent, statusChangeOfLogMessage } from '../express-log-changes.js';
import { executionChangeOf, type StatusChange } from '../sfn-status-change.js';
import { logger as sharedLogger } from '../wiring/powertools.js';

/** The detail of "Step Functions Execution Status Change" (Step Functions' EventBridge events), as far as the engine reads it. */
const StatusChangeDetail = z.looseObject({
  executionArn: z.string().check(z.minLength(1)),
  stateMachineArn: z.string().check(z.minLength(1)),
  name: z.string().check(z.minLength(1)),
  status: z.string().check(z.minLength(1)),
  startDate: z.number(),
  stopDate: z.nullish(z.number()),
  input: z.nullish(z.string()),
  output: z.nullish(z.string()),
  error: z.nullish(z.string()),
  cause: z.nullish(z.string()),
});

export type StatusChangeEvent = EventBridgeEvent<'Step Functions Execution Status Change', unknown>;

/** What the lifecycle handler needs; tests pass their own. */
export interface LifecycleDeps {
  lifecycle: Pick<ExecutionLifecycle, 'onChange'>;
  /** State machine ARN → workflow id, for an execution whose record is not written yet. */
  workflowIds: Pick<ReadonlyMap<string, string>, 'get'>;
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
  metrics?: PowertoolsMetricsSink;
}

/** One outcome for a status change event; one per log record for a log subscription delivery (none for its control message). */
export interface LifecycleHandler {
  (event: StatusChangeEvent): Promise<LifecycleOutcome>;
  (event: LogsSubscriptionEvent): Promise<LifecycleOutcome[]>;
  (event: StatusChangeEvent | LogsSubscriptionEvent): Promise<LifecycleOutcome | LifecycleOutcome[]>;
}

/**
 * The lifecycle handler without middlewares.
 * @throws ValidationError for an event that is not a status change (dead-lettered after retries); RetryableError.
 * @example await createLifecycleHandler({ lifecycle })(statusChangeEvent)
 */
export function createLifecycleHandler(deps: LifecycleDeps): LifecycleHandler {
  const log = deps.logger ?? sharedLogger;

  const recordChange = async (change: StatusChange): Promise<LifecycleOutcome> => {
    try {
      const read = executionChangeOf(change, deps.workflowIds);
      const outcome = read.kind === 'change' ? await deps.lifecycle.onChange(read.change) : read;
      if (outcome.kind === 'ignored') {
        log.warn('status change ignored', { executionName: change.name, status: change.status, reason: outcome.reason });
        return outcome;
      }
      const { execution, event, phase } = outcome;
      log.info('execution status recorded', {
        executionName: execution.name,
        workflowId: execution.workflowId,
        ruleId: execution.ruleId,
        eventId: execution.eventId,
        correlationId: execution.correlationId,
        status: change.status,
        lifecycleEventId: event?.id,
        duplicate: outcome.duplicate,
      });
      // Starts are counted by the router (Express ones included); the end of an execution here.
      if (phase !== 'started' && outcome.duplicate !== true)
        emitCountForWorkflow(deps.metrics, phase === 'succeeded' ? 'WorkflowsSucceeded' : 'WorkflowsFailed', execution.workflowId);
      return outcome;
    } catch (error) {
      log.error('status change failed; it will be retried', { executionName: change.name, status: change.status, error: error as Error });
      throw error;
    }
  };

  const fromLogs = async (delivery: LogsSubscriptionEvent): Promise<LifecycleOutcome[]> => {
    const { messageType, logGroup, logEvents } = decodeLogsSubscription(delivery);
    // CloudWatch Logs checks a new subscription's destination with a control message: nothing to record.
    if (messageType !== 'DATA_MESSAGE') return [];
    const outcomes: LifecycleOutcome[] = [];
    // In order, one at a time: a retry of the delivery repeats the ones done, which the lifecycle stores once.
    for (const { message } of logEvents) {
      const read = statusChangeOfLogMessage(message);
      if (read.kind === 'skipped') {
        log.warn('log record skipped', { logGroup, reason: read.reason });
        outcomes.push({ kind: 'ignored', reason: read.reason });
        continue;
      }
      outcomes.push(await recordChange(read.change));
    }
    return outcomes;
  };

  const fromEventBridge = async (delivery: StatusChangeEvent): Promise<LifecycleOutcome> => {
    const parsed = StatusChangeDetail.safeParse(delivery.detail);
    if (!parsed.success) {
      const error = validationErrorOf('Not a Step Functions status change', parsed.error.issues, { prefix: 'detail' });
      log.warn('status change refused', { id: delivery.id, details: error.details });
      throw error;
    }
    return recordChange(parsed.data);
  };

  return (async (delivery: StatusChangeEvent | LogsSubscriptionEvent) =>
    isLogsSubscriptionEvent(delivery) ? fromLogs(delivery) : fromEventBridge(delivery)) as LifecycleHandler;
}
