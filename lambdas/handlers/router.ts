/**
 * The router Lambda on the Events table's stream: each inserted event is matched against the rules
 * and starts one execution per matched rule (exactly once), feeds the multi-event joins, and completes
 * the workflows waiting for it. Failures are reported per record, so one poison event or one
 * throttled start does not send the whole batch round again.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import middy from '@middy/core';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { CorrelationWaits } from '../aws/correlation-waits.js';
import { fromItem } from '../aws/dynamodb-event-store.js';
import { EventRouter, type EventRouterDeps } from '../aws/event-router.js';
import { RecordedWorkflowStarter } from '../aws/recorded-workflow-starter.js';
import { SfnTaskTokens } from '../aws/sfn-task-tokens.js';
import { SfnWorkflowStarter } from '../aws/sfn-workflow-starter.js';
import { compileRules, isEngineError, ValidationError, type EngineEvent, type Rule } from '../core/index.js';
import { EnvironmentError, jsonMapVar, parseEnv } from './env.js';
import { logger as sharedLogger, metrics as sharedMetrics, tracer } from './powertools.js';
import { stateFrom, StateEnv } from './wiring.js';

/** The rules as JSON text, put into the bundle by esbuild `define` at synth (see lib/router.ts). */
declare const __EDWE_RULES__: string | undefined;

/** What the router needs (the EventRouter's parts); tests pass their own. */
export interface RouterDeps extends EventRouterDeps {
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
  metrics?: Pick<Metrics, 'addMetric'>;
}

export type RouterHandler = (event: DynamoDBStreamEvent, context?: Context) => Promise<DynamoDBBatchResponse>;

/**
 * The router handler without middlewares.
 * @example const { batchItemFailures } = await createRouterHandler({ ruleSet, starter, joins, waits })(streamEvent)
 */
export function createRouterHandler(deps: RouterDeps): RouterHandler {
  const log = deps.logger ?? sharedLogger;
  const processor = new BatchProcessor(EventType.DynamoDBStreams);
  const router = new EventRouter(deps);

  const routeRecord = async (record: DynamoDBRecord): Promise<void> => {
    const sequenceNumber = record.dynamodb?.SequenceNumber;
    let event: EngineEvent | undefined;
    try {
      const image = record.dynamodb?.NewImage;
      if (image === undefined) throw new ValidationError('the stream record has no NewImage', [{ path: 'dynamodb.NewImage', message: 'required' }]);
      // aws-lambda's AttributeValue and the SDK's describe the same wire shape under different names.
      event = fromItem(unmarshall(image as Record<string, AttributeValue>));
      const { id: eventId, correlationId } = event;
      const { rules } = await router.route(event, {
        started: (trigger, alreadyStarted) => {
          const { ruleId, workflowId, executionName } = trigger;
          log.info('execution started', { eventId, correlationId: trigger.input.correlationId, ruleId, workflowId, executionName, alreadyStarted });
          if (!alreadyStarted) deps.metrics?.addMetric('ExecutionsStarted', MetricUnit.Count, 1);
        },
        waiterCompleted: ({ delivered }) => {
          log.info(delivered ? 'waiter completed' : 'waiter dropped: its task is gone', { eventId, correlationId, delivered });
          if (delivered) deps.metrics?.addMetric('WaitersCompleted', MetricUnit.Count, 1);
        },
      });
      log.info('event routed', { eventId, correlationId, type: event.type, ruleIds: rules.map((r) => r.id) });
      deps.metrics?.addMetric('EventsRouted', MetricUnit.Count, 1);
    } catch (error) {
      log.error('record failed', {
        sequenceNumber,
        eventId: event?.id,
        correlationId: event?.correlationId,
        retryable: isEngineError(error) ? error.retryable : undefined,
        error: error as Error,
      });
      deps.metrics?.addMetric('RecordsFailed', MetricUnit.Count, 1);
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

const RouterEnv = StateEnv.extend({
  STATE_MACHINE_ARNS: jsonMapVar(),
  /** Workflow id → STANDARD or EXPRESS; a workflow not named is STANDARD. */
  WORKFLOW_TYPES: jsonMapVar().optional(),
});

/**
 * The production dependencies: rules from the bundle, state machine ARNs and workflow types from
 * the environment, the State table for records, joins and waiters.
 * @throws EnvironmentError when a rule's workflow has no state machine ARN, so a bad deploy fails at once.
 */
export function routerDepsFromEnv(env: Record<string, string | undefined> = process.env, rulesJson = bundledRules()): RouterDeps {
  const config = parseEnv(RouterEnv, env);
  const rules = JSON.parse(rulesJson) as Rule[];
  const missing = [...new Set(rules.map((r) => r.workflow))].filter((w) => !Object.hasOwn(config.STATE_MACHINE_ARNS, w));
  if (missing.length > 0) throw new EnvironmentError(`Invalid environment: STATE_MACHINE_ARNS has no ARN for workflow ${missing.join(', ')}`);
  const sfn = tracer.captureAWSv3Client(new SFNClient({}));
  const { executions, joins, waiters } = stateFrom(config);
  const expressWorkflows = new Set(Object.entries(config.WORKFLOW_TYPES ?? {}).filter(([, type]) => type === 'EXPRESS').map(([id]) => id));
  return {
    ruleSet: compileRules(rules),
    starter: new RecordedWorkflowStarter({
      starter: new SfnWorkflowStarter({ client: sfn, stateMachineArns: config.STATE_MACHINE_ARNS }),
      executions,
      expressWorkflows,
      backoff: { onRetry: (error, attempt, delayMs) => sharedLogger.warn('start throttled; trying again', { attempt, delayMs, error: error as Error }) },
      onUnconfirmed: (trigger, error) =>
        sharedLogger.warn('an Express start could not be confirmed in its record', { executionName: trigger.executionName, error: error as Error }),
    }),
    joins,
    waits: new CorrelationWaits({ waiters, tokens: new SfnTaskTokens(sfn) }),
    logger: sharedLogger,
    metrics: sharedMetrics,
  };
}

function bundledRules(): string {
  if (typeof __EDWE_RULES__ === 'undefined') throw new EnvironmentError('The router was bundled without rules (__EDWE_RULES__ is not defined)');
  return __EDWE_RULES__;
}

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
