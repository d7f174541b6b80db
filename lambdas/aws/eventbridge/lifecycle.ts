/**
 * The lifecycle adapter, target of the default bus's rule for the engine's own Step Functions
 * "Execution Status Change" events: each one updates the execution record and is stored as a
 * `workflow.*` event in the Events table, where the router's stream picks it up so rules can chain.
 * EventBridge invokes it asynchronously: a thrown error is retried by Lambda, then dead-lettered.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { EventBridgeEvent } from 'aws-lambda';
import { z } from 'zod';
import { validationErrorOf, type ExecutionLifecycle, type LifecycleOutcome } from '../../core/index.js';
import { emitCountForWorkflow, type PowertoolsMetricsSink } from '../powertools-engine-metrics.js';
import { executionChangeOf, type StatusChange } from '../sfn-status-change.js';
import { logger as sharedLogger } from '../wiring/powertools.js';

/** The detail of "Step Functions Execution Status Change" (Step Functions' EventBridge events), as far as the engine reads it. */
const StatusChangeDetail = z.looseObject({
  executionArn: z.string().min(1),
  stateMachineArn: z.string().min(1),
  name: z.string().min(1),
  status: z.string().min(1),
  startDate: z.number(),
  stopDate: z.number().nullish(),
  input: z.string().nullish(),
  output: z.string().nullish(),
  error: z.string().nullish(),
  cause: z.string().nullish(),
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

export type LifecycleHandler = (event: StatusChangeEvent) => Promise<LifecycleOutcome>;

/**
 * The lifecycle handler without middlewares.
 * @throws ValidationError for an event that is not a status change (dead-lettered after retries); RetryableError.
 * @example await createLifecycleHandler({ lifecycle })(statusChangeEvent)
 */
export function createLifecycleHandler(deps: LifecycleDeps): LifecycleHandler {
  const log = deps.logger ?? sharedLogger;
  return async (delivery) => {
    const parsed = StatusChangeDetail.safeParse(delivery.detail);
    if (!parsed.success) {
      const error = validationErrorOf('Not a Step Functions status change', parsed.error.issues, { prefix: 'detail' });
      log.warn('status change refused', { id: delivery.id, details: error.details });
      throw error;
    }
    const change: StatusChange = parsed.data;
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
      // Starts are counted by the router (Express ones included); the end of a Standard execution here.
      if (phase !== 'started' && outcome.duplicate !== true)
        emitCountForWorkflow(deps.metrics, phase === 'succeeded' ? 'WorkflowsSucceeded' : 'WorkflowsFailed', execution.workflowId);
      return outcome;
    } catch (error) {
      log.error('status change failed; it will be retried', { executionName: change.name, status: change.status, error: error as Error });
      throw error;
    }
  };
}
