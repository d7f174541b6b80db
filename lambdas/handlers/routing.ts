/**
 * Routing one stored event, as both the stream router and the sweeper do it: the same EventRouter
 * (rules → exactly-once starts → joins → waiters → the `routedAt` mark), with the same logs
 * (`eventId`, `correlationId`, `ruleId`, `workflowId`), metrics and X-Ray subsegment around it.
 * Also the production wiring both build from their environment.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { CorrelationWaits } from '../aws/correlation-waits.js';
import { fromItem } from '../aws/dynamodb-event-store.js';
import { DynamoDbRoutingMarks } from '../aws/dynamodb-routing-marks.js';
import { EventRouter, type EventRouterDeps, type RouteOutcome } from '../aws/event-router.js';
import { RecordedWorkflowStarter } from '../aws/recorded-workflow-starter.js';
import { SfnTaskTokens } from '../aws/sfn-task-tokens.js';
import { SfnWorkflowStarter } from '../aws/sfn-workflow-starter.js';
import { compileRules, type Clock, type EngineEvent, type Rule } from '../core/index.js';
import { EnvironmentError, jsonMapVar, parseEnv, requiredVar } from './env.js';
import { count, countForWorkflow, type EngineMetrics } from './metric-names.js';
import { inSubsegment, logger as sharedLogger, metrics as sharedMetrics, tracer as sharedTracer } from './powertools.js';
import { stateFrom, StateEnv } from './wiring.js';

/** The rules as JSON text, put into the bundle by esbuild `define` at synth (see lib/router.ts). */
declare const __EDWE_RULES__: string | undefined;

/** What routing needs (the EventRouter's parts, `marks` included); tests pass their own. */
export interface RoutingDeps extends EventRouterDeps {
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
  metrics?: EngineMetrics;
  tracer?: Pick<Tracer, 'isTracingEnabled' | 'getSegment' | 'setSegment'>;
  clock?: Clock;
}

/** Routes the event in a stored item (a stream record's NewImage, or an item the sweeper read). */
export type RouteStoredItem = (item: Record<string, unknown>, via: 'stream' | 'sweeper') => Promise<{ event: EngineEvent; outcome: RouteOutcome }>;

/**
 * @example const route = createEventRouting({ ruleSet, starter, joins, waits, marks }); await route(item, 'stream')
 * @throws ValidationError for an item that holds no valid event; whatever a routing step throws.
 */
export function createEventRouting(deps: RoutingDeps): RouteStoredItem {
  const log = deps.logger ?? sharedLogger;
  const clock = deps.clock ?? { now: Date.now };
  const router = new EventRouter(deps);

  return async (item, via) => {
    const event = fromItem(item);
    const { id: eventId, correlationId } = event;
    const outcome = await inSubsegment(deps.tracer ?? sharedTracer, '### route', { eventId, correlationId }, () =>
      router.route(event, {
        started: (trigger, alreadyStarted) => {
          const { ruleId, workflowId, executionName } = trigger;
          log.info('execution started', { eventId, correlationId: trigger.input.correlationId, ruleId, workflowId, executionName, alreadyStarted, via });
          if (alreadyStarted) return;
          count(deps.metrics, 'ExecutionsStarted');
          countForWorkflow(deps.metrics, 'WorkflowsStarted', workflowId);
        },
        waiterCompleted: ({ delivered }) => {
          log.info(delivered ? 'waiter completed' : 'waiter dropped: its task is gone', { eventId, correlationId, delivered });
          if (delivered) count(deps.metrics, 'WaitersCompleted');
        },
      }),
    );
    // From receipt (the put) to routed: the stream's delay, the iterator age and the routing itself.
    const receivedAt = typeof item.receivedAt === 'string' ? Date.parse(item.receivedAt) : Number.NaN;
    const lagMs = Number.isNaN(receivedAt) ? undefined : Math.max(0, clock.now() - receivedAt);
    log.info('event routed', { eventId, correlationId, type: event.type, source: event.source, ruleIds: outcome.rules.map((r) => r.id), lagMs, via });
    count(deps.metrics, 'EventsRouted');
    count(deps.metrics, 'RulesMatched', outcome.rules.length);
    if (lagMs !== undefined) count(deps.metrics, 'RoutingLag', lagMs);
    return { event, outcome };
  };
}

/** The environment of a routing function (the router, the sweeper), set by the CDK constructs. */
export const RoutingEnv = StateEnv.extend({
  STATE_MACHINE_ARNS: jsonMapVar(),
  /** Workflow id → STANDARD or EXPRESS; a workflow not named is STANDARD. */
  WORKFLOW_TYPES: jsonMapVar().optional(),
  /** The Events table, for the `routedAt` mark. Unset: events are routed but not marked (the sweeper would route them again). */
  EVENTS_TABLE: requiredVar().optional(),
});

/**
 * The production dependencies: rules from the bundle, state machine ARNs and workflow types from
 * the environment, the State table for records, joins and waiters, the Events table for the marks.
 * @throws EnvironmentError when a rule's workflow has no state machine ARN, so a bad deploy fails at once.
 */
export function routingDepsFromEnv(env: Record<string, string | undefined> = process.env, rulesJson = bundledRules()): RoutingDeps {
  const config = parseEnv(RoutingEnv, env);
  const rules = JSON.parse(rulesJson) as Rule[];
  const missing = [...new Set(rules.map((r) => r.workflow))].filter((w) => !Object.hasOwn(config.STATE_MACHINE_ARNS, w));
  if (missing.length > 0) throw new EnvironmentError(`Invalid environment: STATE_MACHINE_ARNS has no ARN for workflow ${missing.join(', ')}`);
  const sfn = sharedTracer.captureAWSv3Client(new SFNClient({}));
  const { executions, joins, waiters } = stateFrom(config);
  const expressWorkflows = new Set(Object.entries(config.WORKFLOW_TYPES ?? {}).filter(([, type]) => type === 'EXPRESS').map(([id]) => id));
  const marks =
    config.EVENTS_TABLE === undefined
      ? undefined
      : new DynamoDbRoutingMarks({ client: sharedTracer.captureAWSv3Client(new DynamoDBClient({})), tableName: config.EVENTS_TABLE });
  return {
    ruleSet: compileRules(rules),
    starter: new RecordedWorkflowStarter({
      starter: new SfnWorkflowStarter({ client: sfn, stateMachineArns: config.STATE_MACHINE_ARNS }),
      executions,
      expressWorkflows,
      backoff: { onRetry: (error, attempt, delayMs) => sharedLogger.warn('start throttled; trying again', { attempt, delayMs, error: error as Error }) },
      onThrottled: (trigger, error) => {
        sharedLogger.warn('start throttled', { workflowId: trigger.workflowId, ruleId: trigger.ruleId, executionName: trigger.executionName, error: error as Error });
        countForWorkflow(sharedMetrics, 'WorkflowsThrottled', trigger.workflowId);
      },
      onUnconfirmed: (trigger, error) =>
        sharedLogger.warn('an Express start could not be confirmed in its record', { executionName: trigger.executionName, error: error as Error }),
    }),
    joins,
    waits: new CorrelationWaits({ waiters, tokens: new SfnTaskTokens(sfn) }),
    ...(marks === undefined ? {} : { marks }),
    logger: sharedLogger,
    metrics: sharedMetrics,
    tracer: sharedTracer,
  };
}

function bundledRules(): string {
  if (typeof __EDWE_RULES__ === 'undefined') throw new EnvironmentError('The function was bundled without rules (__EDWE_RULES__ is not defined)');
  return __EDWE_RULES__;
}
