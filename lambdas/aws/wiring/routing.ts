/**
 * The routing functions' wiring (the router on the Events table's stream, and the sweeper): the
 * environment the CDK constructs set, the adapters built from it, and the one AWS-only part of
 * routing an event — its X-Ray subsegment.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import * as z from '../../core/schema.js';
// Core's modules, not its index: what a bundle reaches is then plain to see (test/infra/bundle-size.test.ts).
import { CorrelationMetricsPass } from '../../core/app/correlation-metrics-pass.js';
import { CorrelationWaits } from '../../core/app/correlation-waits.js';
import { ExecutionActions } from '../../core/app/execution-actions.js';
import type { FlowControl } from '../../core/app/flow-control.js';
import { ExecutionLifecycle } from '../../core/app/lifecycle.js';
import { EventRouter, type EventRouterDeps, type RouteContext, type RouteOutcome } from '../../core/app/route-event.js';
import { UnroutedSweeper } from '../../core/app/sweeper.js';
import type { Clock } from '../../core/clock.js';
import type { EngineEvent } from '../../core/envelope.js';
import { isEngineError } from '../../core/errors.js';
import type { CorrelationRecorder } from '../../core/ports/correlation-counters.js';
import type { EngineMetrics } from '../../core/ports/observability.js';
import type { StopCause } from '../../core/ports/workflow-control.js';
import { compileRules } from '../../core/rules/rule-set.js';
import type { Rule } from '../../core/rules/types.js';
import { ENV } from '../../layout/environment.js';
import { DynamoDbCorrelationCounters } from '../dynamodb-correlation-counters.js';
import { DynamoDbRoutingMarks } from '../dynamodb-routing-marks.js';
import { PowertoolsEngineMetrics } from '../powertools-engine-metrics.js';
import { powertoolsLogger, type PowertoolsLogs } from '../powertools-logger.js';
import { RecordedWorkflowStarter } from '../recorded-workflow-starter.js';
import { SfnTaskTokens } from '../sfn-task-tokens.js';
import { SfnWorkflowControl } from '../sfn-workflow-control.js';
import { SfnWorkflowStarter } from '../sfn-workflow-starter.js';
import { SqsDeadLetterQueue } from '../sqs-dead-letter-queue.js';
import { EnvironmentError, jsonMapVar, parseEnv, parseEnvWithMachines, requiredVar } from './env.js';
import { storeFrom } from './events.js';
import { fieldsFromEnv } from './field-encryption.js';
import { flowControlFromEnv } from './flow.js';
import { inSubsegment, logger as sharedLogger, metrics as sharedMetrics, traced, tracer as sharedTracer } from './powertools.js';
import { refreshingRulesFromEnv } from './rules.js';
import { stateFrom, StateEnv } from './state.js';

/** The rules as JSON text, put into the bundle by esbuild `define` at synth (see lib/router.ts). */
declare const __EDWE_RULES__: string | undefined;

/** The tracer calls a routed event's subsegment needs. */
export type SegmentTracer = Pick<Tracer, 'isTracingEnabled' | 'getSegment' | 'setSegment'>;

/** What routing needs (the EventRouter's parts, `marks` included), its Powertools logger and the tracer; tests pass their own. */
export interface RoutingDeps extends Omit<EventRouterDeps, 'logger' | 'clock'> {
  /** Brings `ruleSet` up to date with the managed rules before an event is routed (a clock read between refreshes). */
  refreshRules?: () => Promise<void>;
  logger?: PowertoolsLogs;
  tracer?: SegmentTracer;
  /** Default: the wall clock. */
  clock?: Clock;
}

const wallClock: Clock = { now: () => Date.now() };

/** Routes one event, as the router and the sweeper both do it. */
export type RouteTraced = (event: EngineEvent, context: RouteContext) => Promise<RouteOutcome>;

/**
 * Core's EventRouter on these dependencies, with each event in its own X-Ray subsegment (annotated
 * with `eventId` and `correlationId`, so a trace can be found by either); `concurrent` when the
 * caller routes several events at once (see `inSubsegment`).
 * @example const route = routeTraced(deps); await route(event, { receivedAt, via: 'stream' })
 */
export function routeTraced(deps: RoutingDeps, concurrent = false): RouteTraced {
  const router = new EventRouter({ ...deps, logger: powertoolsLogger(deps.logger ?? sharedLogger), clock: deps.clock ?? wallClock });
  const tracer = deps.tracer ?? sharedTracer;
  const refresh = deps.refreshRules;
  const route: RouteTraced = (event, context) =>
    inSubsegment(tracer, '### route', { eventId: event.id, correlationId: event.correlationId }, () => router.route(event, context), concurrent);
  return refresh === undefined ? route : async (event, context) => (await refresh(), route(event, context));
}

/** The environment of a routing function (the router, the sweeper), set by the CDK constructs. */
export const RoutingEnv = z.extend(StateEnv, {
  [ENV.STATE_MACHINE_ARNS]: z.optional(jsonMapVar()),
  [ENV.STATE_MACHINE_ARN_PREFIX]: z.optional(requiredVar()),
  /** Workflow id → STANDARD or EXPRESS; a workflow not named is STANDARD. */
  [ENV.WORKFLOW_TYPES]: z.optional(jsonMapVar()),
  /** The Events table, for the `routedAt` mark. Unset: events are routed but not marked (the sweeper would route them again). */
  [ENV.EVENTS_TABLE]: z.optional(requiredVar()),
  [ENV.START_LATENCY_OBJECTIVE_MS]: z.optional(z.coerce.number().check(z.positive())),
  /** `off` (the stack's `correlationMetrics: false`): no correlation counters written, no metrics pass. */
  [ENV.CORRELATION_METRICS]: z._default(z.enum(['on', 'off']), 'on'),
});

/**
 * The production dependencies: rules from the bundle, state machine ARNs and workflow types from
 * the environment, the State table for records, joins and waiters, the Events table for the marks.
 * @throws EnvironmentError when a rule's workflow has no state machine ARN, so a bad deploy fails at once.
 */
export function routingDepsFromEnv(
  env: Record<string, string | undefined> = process.env,
  rulesJson = bundledRules(),
): RoutingDeps & { metrics: EngineMetrics; flow?: FlowControl } {
  const config = parseEnvWithMachines(RoutingEnv, env);
  const rules = JSON.parse(rulesJson) as Rule[];
  const { machines } = config;
  const arnOf = typeof machines === 'function' ? machines : (workflowId: string) => machines.get(workflowId);
  const missing = [...new Set(rules.map((r) => r.workflow))].filter((w) => arnOf(w) === undefined);
  if (missing.length > 0) throw new EnvironmentError(`Invalid environment: STATE_MACHINE_ARNS has no ARN for workflow ${missing.join(', ')}`);
  const sfn = sharedTracer.captureAWSv3Client(new SFNClient({}));
  const metrics = new PowertoolsEngineMetrics(sharedMetrics);
  const { executions, joins, waiters } = stateFrom(config);
  const { fields } = fieldsFromEnv(env, traced);
  const expressWorkflows = new Set(
    Object.entries(config.WORKFLOW_TYPES ?? {})
      .filter(([, type]) => type === 'EXPRESS')
      .map(([id]) => id),
  );
  const marks =
    config.EVENTS_TABLE === undefined
      ? undefined
      : new DynamoDbRoutingMarks({ client: sharedTracer.captureAWSv3Client(new DynamoDBClient({})), tableName: config.EVENTS_TABLE });
  // With managed rules deployed (RULE_REFRESH_SECONDS set), the files layer plus the State table's, kept fresh.
  const managed = env[ENV.RULE_REFRESH_SECONDS] === undefined ? undefined : refreshingRulesFromEnv(env, rules, { has: (workflowId) => arnOf(workflowId) !== undefined });
  const ruleSet = managed ?? compileRules(rules);
  // Stops and (Express) restarts; its starter is the one below, which in turn stops a start that lost to a drop with it.
  const control: SfnWorkflowControl = new SfnWorkflowControl({
    client: sfn,
    stateMachineArns: arnOf,
    expressWorkflows,
    starter: { start: (trigger) => starter.start(trigger) },
  });
  const starter = new RecordedWorkflowStarter({
    starter: new SfnWorkflowStarter({ client: sfn, stateMachineArns: machines, ...(fields === undefined ? {} : { reveal: (input) => fields.revealInput(input) }) }),
    executions,
    expressWorkflows,
    stopper: control,
    onUnstopped: (execution, error) =>
      sharedLogger.error('a start that lost to a drop could not be stopped: it runs under an ABORTED record', { executionName: execution.name, error: error as Error }),
    // The ingest's fast path may have started it: a record found costs a read, not a StartExecution.
    lookFirst: true,
    backoff: { onRetry: (error, attempt, delayMs) => sharedLogger.warn('start throttled; trying again', { attempt, delayMs, error: error as Error }) },
    onThrottled: (trigger, error) => {
      sharedLogger.warn('start throttled', { workflowId: trigger.workflowId, ruleId: trigger.ruleId, executionName: trigger.executionName, error: error as Error });
      metrics.countForWorkflow('WorkflowsThrottled', trigger.workflowId);
    },
    onUnconfirmed: (trigger, error) =>
      sharedLogger.warn('an Express start could not be confirmed in its record', { executionName: trigger.executionName, error: error as Error }),
  });
  // cancelOn stops a running execution as `POST /executions/{name}/stop` does: StopExecution, then the record ends ABORTED
  // with its `workflow.aborted` event (here if Step Functions' own report has not arrived yet).
  const actions =
    config.EVENTS_TABLE === undefined
      ? undefined
      : new ExecutionActions({
          executions,
          control,
          lifecycle: new ExecutionLifecycle({
            executions,
            events: storeFrom({ EVENTS_TABLE: config.EVENTS_TABLE, RETENTION_DAYS: config.RETENTION_DAYS }),
            clock: wallClock,
            metrics,
            ...(fields === undefined ? {} : { fields }),
          }),
          clock: wallClock,
        });
  // Flow control where the stack gave the wake-up queue.
  const flow = flowControlFromEnv(env, {
    ruleSet,
    // The wake-up consumer and cancels look rules up in the live set too (routing refreshes before it offers).
    ...(managed === undefined ? {} : { refreshRules: () => managed.fresh(), confirmRules: () => managed.confirm() }),
    starter,
    executions,
    metrics,
    logger: powertoolsLogger(sharedLogger),
    clock: wallClock,
    ...(actions === undefined ? {} : { stopExecution: (name: string, cause: StopCause) => actions.stopExecution(name, cause) }),
  });
  return {
    ruleSet,
    ...(config.CORRELATION_METRICS === 'off' ? {} : { correlations: correlationRecorder(correlationCounters(config.STATE_TABLE)) }),
    ...(managed === undefined ? {} : { refreshRules: () => managed.fresh() }),
    starter,
    ...(flow === undefined ? {} : { flow }),
    joins,
    waits: new CorrelationWaits({ waiters, tokens: new SfnTaskTokens(sfn), clock: wallClock }),
    ...(marks === undefined ? {} : { marks }),
    logger: sharedLogger,
    metrics,
    ...(config.START_LATENCY_OBJECTIVE_MS === undefined ? {} : { startLatencyObjectiveMs: config.START_LATENCY_OBJECTIVE_MS }),
    tracer: sharedTracer,
  };
}

/** The sweeper's environment: the router's, the Events table (required here) and its schedule's limits, the failure queue. */
const positiveIntVar = (fallback: number) => z._default(z.coerce.number().check(z.int(), z.positive()), fallback);

export const SweeperEnv = z.extend(RoutingEnv, {
  [ENV.EVENTS_TABLE]: requiredVar(),
  [ENV.DEAD_LETTER_QUEUE_URL]: requiredVar(),
  [ENV.SWEEP_MIN_AGE_SECONDS]: positiveIntVar(600),
  [ENV.SWEEP_MAX_EVENTS]: positiveIntVar(200),
  [ENV.SWEEP_MAX_ATTEMPTS]: positiveIntVar(3),
});

/**
 * The correlation counters as routing uses them: a write that fails is logged and its counts lost, never the event's
 * routing failed for it (a retry would route the event again, and load a throttled table more, for a metric).
 */
export function correlationRecorder(counters: Pick<DynamoDbCorrelationCounters, 'record'>, logger: Pick<PowertoolsLogs, 'warn'> = sharedLogger): CorrelationRecorder {
  return {
    record: (touches) =>
      counters.record(touches).catch((error: unknown) => {
        logger.warn('correlation counters not updated', { correlationIds: touches.map((t) => t.correlationId), error: error as Error });
      }),
  };
}

/** The correlation counters in the State table, as routing and the metrics pass use them. */
const correlationCounters = (tableName: string) =>
  new DynamoDbCorrelationCounters({ client: sharedTracer.captureAWSv3Client(new DynamoDBClient({})), tableName, clock: wallClock });

/** The sweeper and what its handler reports with. */
export interface SweeperWiring {
  sweeper: UnroutedSweeper;
  /** Run after each scheduled sweep: closes idle correlations and emits the correlation metrics. Absent when they are off. */
  correlations?: CorrelationMetricsPass;
  logger: PowertoolsLogs;
  metrics: EngineMetrics;
}

/** The sweeper's production dependencies: the router's (rules, state machines, State table, marks), the index, the failure queue. */
export function sweeperDepsFromEnv(env: Record<string, string | undefined> = process.env, rulesJson?: string): SweeperWiring {
  const config = parseEnv(SweeperEnv, env);
  const routing = rulesJson === undefined ? routingDepsFromEnv(env) : routingDepsFromEnv(env, rulesJson);
  const marks = new DynamoDbRoutingMarks({ client: sharedTracer.captureAWSv3Client(new DynamoDBClient({})), tableName: config.EVENTS_TABLE });
  const route = routeTraced({ ...routing, marks });
  const sweeper = new UnroutedSweeper({
    marks,
    route: (event, receivedAt) => route(event, { ...(receivedAt === undefined ? {} : { receivedAt }), via: 'sweeper' }),
    deadLetters: new SqsDeadLetterQueue({ client: sharedTracer.captureAWSv3Client(new SQSClient({})), queueUrl: config.DEAD_LETTER_QUEUE_URL }),
    clock: wallClock,
    minAgeMs: config.SWEEP_MIN_AGE_SECONDS * 1000,
    maxEvents: config.SWEEP_MAX_EVENTS,
    maxAttempts: config.SWEEP_MAX_ATTEMPTS,
    onFailed: (eventId, attempts, error) =>
      sharedLogger.error('sweep of an event failed', { eventId, attempts, retryable: isEngineError(error) ? error.retryable : undefined, error: error as Error }),
  });
  const wiring = { sweeper, logger: sharedLogger, metrics: routing.metrics };
  if (config.CORRELATION_METRICS === 'off') return wiring;
  return { ...wiring, correlations: new CorrelationMetricsPass({ store: correlationCounters(config.STATE_TABLE), metrics: routing.metrics, clock: wallClock }) };
}

function bundledRules(): string {
  if (typeof __EDWE_RULES__ === 'undefined') throw new EnvironmentError('The function was bundled without rules (__EDWE_RULES__ is not defined)');
  return __EDWE_RULES__;
}
