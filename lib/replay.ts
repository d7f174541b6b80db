/**
 * Replay on AWS (docs/replay.md): `POST/GET/DELETE /replays` on the engine's REST API; a replay driver
 * state machine that runs each job page by page with the replay page Lambda (reads the Events
 * table's time index, puts the selected events on the engine bus as `edwe.replay`); one bus rule per
 * workflow that hands that workflow's replayed events to the replay start Lambda, which starts the
 * execution under its replay name; and a dead-letter queue for what the bus or the start refuses.
 */
import { Duration } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ENV } from '../lambdas/layout/environment.js';
import { EVENTS_TABLE } from '../lambdas/layout/events-table.js';
import { STATE_TABLE } from '../lambdas/layout/state-table.js';
import { REPLAY_SOURCE, type Rule } from '../lambdas/core/index.js';
import { grantKeyUse, grantKeyUseVia, grantSendToQueue, QueueOnFailure } from './encryption.js';
import { QUOTAS } from './capacity-quotas.js';
import { checkedRetentionDays, createDeadLetterQueue } from './ingest-function.js';
import { createFunction, handlerEntry, type EdweFunctionProps } from './lambda-defaults.js';
import { createJobDriver } from './job-driver.js';
import { grantManagedRules } from './rules-api.js';
import { machinesEnvironment } from './router.js';
import { readHourMarksStatement } from './hour-marks-grants.js';

/**
 * Entries per second a job may put on the bus unless the deployer says otherwise (see docs/replay.md):
 * the Standard StartExecution refill of the smallest region class, since each replayed entry a rule
 * routes becomes a start (docs/capacity.md). A deployer in a larger region, or with Express workflows, raises it.
 */
export const DEFAULT_REPLAY_MAX_RATE = QUOTAS.standardStartRefill.small;

export interface ReplayProps {
  /** The engine's REST API: `/replays` is added to it (its default authorization applies). */
  readonly api: apigw.IRestApi | apigw.RestApi;
  /** The engine bus: replayed events are put here, and the per-workflow rules are on it. */
  readonly bus: events.IEventBus | events.EventBus;
  /** The Events table (its `byTime` index is read). */
  readonly eventsTable: dynamodb.ITable | dynamodb.Table;
  /** The State table (replay jobs at `REPLAY#<id>` / `JOB`). */
  readonly stateTable: dynamodb.ITable | dynamodb.Table;
  /** The tables' key. */
  readonly encryptionKey?: kms.IKey;
  /** Today's rules: bundled into the functions that select events. */
  readonly rules: readonly Rule[];
  /** Workflow id → state machine: the only ones replays may start. */
  readonly stateMachines: ReadonlyMap<string, sfn.IStateMachine>;
  /**
   * The ARN every machine of `stateMachines` starts with, the workflow id completing it (lib/workflows.ts
   * `workflowArnPrefix`): handed to the function instead of the ARNs themselves, which at 30 workflows
   * would fill most of Lambda's 4 KB environment. Default: the ARNs, in STATE_MACHINE_ARNS.
   */
  readonly stateMachineArnPrefix?: string;
  /** Days events are kept: a replay window may not start earlier. Default 30. */
  readonly retentionDays?: number;
  /** Entries per second any job may put on the bus (jobs without a rate run at it). Default 500. */
  readonly maxRatePerSecond?: number;
  /** Where refused entries and failed starts go. Default: a new encrypted, TLS-only queue kept 14 days. */
  readonly deadLetterQueue?: sqs.IQueue;
  /** How long the functions' and the driver's logs are kept. Default one month. */
  readonly logRetention?: logs.RetentionDays;
  /**
   * With managed rules (lib/rules-api.ts): the replay functions select by the live set, refreshed as the router's
   * is (lib/router.ts `RoutingProps.ruleRefreshSeconds`), and a job may ask for `"rules": "as-of-event"`, read
   * from the managed layer's change log. Unset: the bundled rules only, and `as-of-event` is refused.
   */
  readonly ruleRefreshSeconds?: number;
  /** Merged over every replay function's defaults. */
  readonly functionProps?: Partial<EdweFunctionProps>;
}

/**
 * @example new Replay(this, 'Replay', { api, bus, eventsTable, stateTable, encryptionKey, rules, stateMachines })
 */
export class Replay extends Construct {
  public readonly apiFunction: NodejsFunction;
  public readonly pageFunction: NodejsFunction;
  public readonly startFunction: NodejsFunction;
  public readonly driver: sfn.StateMachine;
  public readonly deadLetterQueue: sqs.IQueue;
  /** Workflow id → the bus rule that starts it for replayed events. */
  public readonly rules = new Map<string, events.Rule>();

  constructor(scope: Construct, id: string, props: ReplayProps) {
    super(scope, id);
    const retentionDays = checkedRetentionDays(props.retentionDays, 'Replay');
    const maxRate = props.maxRatePerSecond ?? DEFAULT_REPLAY_MAX_RATE;
    if (!(maxRate > 0)) throw new Error(`Replay: maxRatePerSecond must be above 0, got ${maxRate}`);
    this.deadLetterQueue = props.deadLetterQueue ?? createDeadLetterQueue(this, 'DeadLetterQueue', props.encryptionKey, 'the replay bus rules and functions');
    const withRules = this.withRules(props);
    const workflowIds = [...props.stateMachines.keys()].join(',');
    const managedRules = props.ruleRefreshSeconds === undefined ? {} : { [ENV.RULE_REFRESH_SECONDS]: String(props.ruleRefreshSeconds), [ENV.WORKFLOW_IDS]: workflowIds };

    this.pageFunction = createFunction(this, 'PageFunction', {
      entry: handlerEntry('replay-page'),
      serviceName: 'edwe-replay',
      description: 'edwe: one page of a replay job — reads the time index, puts the selected events on the bus',
      timeout: Duration.minutes(5),
      memorySize: 1024,
      ...withRules,
      environment: {
        [ENV.EVENTS_TABLE]: props.eventsTable.tableName,
        [ENV.STATE_TABLE]: props.stateTable.tableName,
        [ENV.EVENT_BUS_NAME]: props.bus.eventBusName,
        [ENV.DEAD_LETTER_QUEUE_URL]: this.deadLetterQueue.queueUrl,
        [ENV.REPLAY_MAX_RATE]: String(maxRate),
        ...managedRules,
        ...props.functionProps?.environment,
      },
    });
    // Reads events only through the time index; writes only its job; puts only on the engine bus.
    this.pageFunction.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'QueryTimeIndex', actions: ['dynamodb:Query'], resources: [`${props.eventsTable.tableArn}/index/${EVENTS_TABLE.byTime.indexName}`] }),
    );
    this.pageFunction.addToRolePolicy(readHourMarksStatement(props.eventsTable));
    this.grantJobs(this.pageFunction, props, 'dynamodb:GetItem', 'dynamodb:UpdateItem');
    props.bus.grantPutEventsTo(this.pageFunction);
    grantSendToQueue(this.deadLetterQueue, this.pageFunction);
    // It never opens a sealed field: the key only as DynamoDB and the bus use it (the queue's use comes with grantSendToQueue).
    grantKeyUseVia(props.encryptionKey, this.pageFunction, [{ tables: [props.eventsTable, props.stateTable] }, 'events']);

    this.driver = this.createDriver(props);

    this.apiFunction = createFunction(this, 'ApiFunction', {
      entry: handlerEntry('replays-http'),
      serviceName: 'edwe-replays-api',
      description: 'edwe: POST /replays starts a replay job, GET shows it, DELETE cancels it',
      ...withRules,
      environment: {
        [ENV.STATE_TABLE]: props.stateTable.tableName,
        [ENV.RETENTION_DAYS]: String(retentionDays),
        [ENV.WORKFLOW_IDS]: workflowIds,
        [ENV.REPLAY_DRIVER_ARN]: this.driver.stateMachineArn,
        [ENV.REPLAY_MAX_RATE]: String(maxRate),
        ...managedRules,
        ...props.functionProps?.environment,
      },
    });
    this.grantJobs(this.apiFunction, props, 'dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem');
    this.driver.grantStartExecution(this.apiFunction);
    // The key only as DynamoDB (its jobs) and Step Functions (the driver's input) use it.
    grantKeyUseVia(props.encryptionKey, this.apiFunction, [{ tables: [props.stateTable] }, 'states']);
    // The live set (the revision, then the rules) and, for the page, the change log: read-only, managed-rule keys only.
    if (props.ruleRefreshSeconds !== undefined)
      for (const fn of [this.pageFunction, this.apiFunction]) grantManagedRules(fn, props.stateTable, ['dynamodb:GetItem', 'dynamodb:Query']);

    const replays = props.api.root.addResource('replays');
    const integration = new apigw.LambdaIntegration(this.apiFunction, { proxy: true });
    replays.addMethod('POST', integration);
    const one = replays.addResource('{replayId}');
    one.addMethod('GET', integration);
    one.addMethod('DELETE', integration);

    this.startFunction = this.createStarts(props);
  }

  /** The functions' log retention and log key. */
  private logging(props: ReplayProps): Partial<EdweFunctionProps> {
    return {
      ...(props.encryptionKey === undefined ? {} : { logKey: props.encryptionKey }),
      ...(props.logRetention === undefined ? {} : { logRetention: props.logRetention }),
    };
  }

  /** These item actions on the State table, on replay jobs only (`REPLAY#…` keys). */
  private grantJobs(grantee: iam.IGrantable, props: ReplayProps, ...actions: string[]): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReplayJobs',
        actions,
        resources: [props.stateTable.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${STATE_TABLE.prefix.replay}*`] } },
      }),
    );
  }

  /** The rules as a string literal in each selecting function's bundle (as the router's are), and keepNames for error names. */
  private withRules(props: ReplayProps): Partial<EdweFunctionProps> {
    const { functionProps } = props;
    return {
      ...this.logging(props),
      ...functionProps,
      bundling: {
        ...functionProps?.bundling,
        // Step Functions retries by error name: minified class names would hide `RetryableError`.
        keepNames: true,
        define: { ...functionProps?.bundling?.define, __EDWE_RULES__: JSON.stringify(JSON.stringify(props.rules)) },
      },
    };
  }

  private createDriver(props: ReplayProps): sfn.StateMachine {
    const driver = createJobDriver(this, {
      step: this.pageFunction,
      stepSid: 'InvokePage',
      logName: 'replay-driver',
      stateTableName: props.stateTable.tableName,
      ...(props.encryptionKey === undefined ? {} : { encryptionKey: props.encryptionKey }),
      ...(props.logRetention === undefined ? {} : { logRetention: props.logRetention }),
    });
    this.grantJobs(driver, props, 'dynamodb:UpdateItem');
    grantKeyUse(props.encryptionKey, driver, 'encrypt-decrypt');
    return driver;
  }

  /** One bus rule per workflow for its replayed events, all to one start function. */
  private createStarts(props: ReplayProps): NodejsFunction {
    const arns = Object.fromEntries([...props.stateMachines].map(([workflowId, machine]) => [workflowId, machine.stateMachineArn]));
    const fn = createFunction(this, 'StartFunction', {
      entry: handlerEntry('replay-start'),
      serviceName: 'edwe-replay-start',
      description: 'edwe: starts the workflow execution a replayed event names, under its replay name',
      invocation: 'async',
      ...this.logging(props),
      ...props.functionProps,
      bundling: { ...props.functionProps?.bundling, keepNames: true },
      environment: { ...machinesEnvironment(this, props.stateMachines, props.stateMachineArnPrefix), ...props.functionProps?.environment },
    });
    const machineArns = Object.values(arns);
    if (machineArns.length > 0) {
      fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'StartWorkflowExecutions', actions: ['states:StartExecution'], resources: machineArns }));
    }
    // StartExecution on an encrypted state machine encrypts its input with the machine's key.
    grantKeyUse(props.encryptionKey, fn, 'encrypt-decrypt');
    // EventBridge invokes asynchronously: a start that keeps failing is recorded with its event.
    fn.configureAsyncInvoke({ retryAttempts: 2, maxEventAge: Duration.hours(6), onFailure: new QueueOnFailure(this.deadLetterQueue) });
    for (const workflowId of props.stateMachines.keys()) {
      this.rules.set(
        workflowId,
        new events.Rule(this, `Start-${workflowId}`, {
          eventBus: props.bus,
          description: `edwe: replayed events for ${workflowId} start it under their replay name`,
          eventPattern: { source: [REPLAY_SOURCE], detail: { workflowId: [workflowId] } },
          targets: [new targets.LambdaFunction(fn, { deadLetterQueue: this.deadLetterQueue, retryAttempts: 8, maxEventAge: Duration.hours(24) })],
        }),
      );
    }
    return fn;
  }
}
