/**
 * Execution actions on AWS (docs/workflows.md, "Stop, redrive and bulk actions on AWS"): `POST /executions/{name}/stop`,
 * `POST /executions/{name}/redrive` and the bulk actions `POST /executions/actions`, `GET|DELETE
 * /executions/actions/{actionId}` on the engine's REST API — each its own method ARN under the API's authorization
 * (IAM by default) — served by one function; and the bulk action driver: the replay driver's state machine
 * (lib/replay-driver.ts) calling a step function, with jobs kept in the replay job store (`REPLAY#act-…` in the State table).
 */
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ENV } from '../lambdas/layout/environment.js';
import { STATE_TABLE } from '../lambdas/layout/state-table.js';
import { grantKeyUse } from './encryption.js';
import { workflowExecutionArns } from './flow-control.js';
import { checkedRetentionDays } from './ingest-function.js';
import { createFunction, handlerEntry, type EdweFunctionProps } from './lambda-defaults.js';
import { createJobDriver } from './job-driver.js';
import { machinesEnvironment } from './router.js';
import { workflowNamePrefix } from './workflows.js';
import { markHoursStatements } from './hour-marks-grants.js';

/** The API function's service name (POWERTOOLS_SERVICE_NAME), as lambdas/aws/wiring/runtime-calls.ts lists its calls. */
export const ACTIONS_API_SERVICE = 'edwe-execution-actions';
/** The bulk action step function's service name. */
export const BULK_STEP_SERVICE = 'edwe-bulk-action-step';

export interface ExecutionActionsApiProps {
  /** The engine's REST API: the routes are added to it (its default authorization applies). */
  readonly api: apigw.IRestApi | apigw.RestApi;
  /** The Events table: a stopped or redriven execution's `workflow.*` event is appended to it. */
  readonly eventsTable: dynamodb.ITable;
  /** The State table: execution records, bulk action jobs (`REPLAY#act-…`), flow control's skip notes. */
  readonly stateTable: dynamodb.ITable;
  readonly encryptionKey?: kms.IKey;
  /** Workflow id → state machine (an Express redrive starts `<name>-redrive-<n>` on it). */
  readonly stateMachines: ReadonlyMap<string, sfn.IStateMachine>;
  /** The ARN every workflow machine starts with (lib/workflows.ts `workflowArnPrefix`); default: the ARNs in STATE_MACHINE_ARNS. */
  readonly stateMachineArnPrefix?: string;
  /** Workflow id → STANDARD or EXPRESS. */
  readonly workflowTypes: Readonly<Record<string, string>>;
  readonly retentionDays?: number;
  readonly logRetention?: logs.RetentionDays;
  /** Merged over both functions' defaults. */
  readonly functionProps?: Partial<EdweFunctionProps>;
}

/**
 * @example new ExecutionActionsApi(this, 'ExecutionActions', { api, eventsTable, stateTable, encryptionKey, stateMachines, workflowTypes })
 */
export class ExecutionActionsApi extends Construct {
  public readonly apiFunction: NodejsFunction;
  public readonly stepFunction: NodejsFunction;
  public readonly driver: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: ExecutionActionsApiProps) {
    super(scope, id);
    const retentionDays = checkedRetentionDays(props.retentionDays, 'ExecutionActionsApi');
    const { functionProps } = props;
    const common: Partial<EdweFunctionProps> = {
      ...(props.encryptionKey === undefined ? {} : { logKey: props.encryptionKey }),
      ...(props.logRetention === undefined ? {} : { logRetention: props.logRetention }),
      ...functionProps,
      // Step Functions retries the step by error name: minified class names would hide `RetryableError`.
      bundling: { ...functionProps?.bundling, keepNames: true },
    };
    const environment = {
      [ENV.EVENTS_TABLE]: props.eventsTable.tableName,
      [ENV.STATE_TABLE]: props.stateTable.tableName,
      [ENV.RETENTION_DAYS]: String(retentionDays),
      [ENV.WORKFLOW_TYPES]: JSON.stringify(props.workflowTypes),
      ...machinesEnvironment(this, props.stateMachines, props.stateMachineArnPrefix),
    };

    this.stepFunction = createFunction(this, 'StepFunction', {
      entry: handlerEntry('bulk-action-step'),
      serviceName: BULK_STEP_SERVICE,
      description: 'edwe: one step of a bulk action — stops or redrives the selected executions from its cursor, paced',
      timeout: Duration.minutes(5),
      ...common,
      environment: { ...environment, ...functionProps?.environment },
    });
    this.grantActing(this.stepFunction, props, ['dynamodb:GetItem', 'dynamodb:UpdateItem']);
    this.driver = this.createDriver(props);

    this.apiFunction = createFunction(this, 'ApiFunction', {
      entry: handlerEntry('execution-actions-http'),
      serviceName: ACTIONS_API_SERVICE,
      description: 'edwe: POST /executions/{name}/stop|redrive, and bulk actions POST /executions/actions, GET|DELETE /executions/actions/{actionId}',
      // A bulk action counts what its filter selects before it answers (up to 100,000 executions): as long as API Gateway waits.
      timeout: Duration.seconds(29),
      ...common,
      environment: { ...environment, [ENV.BULK_DRIVER_ARN]: this.driver.stateMachineArn, ...functionProps?.environment },
    });
    this.grantActing(this.apiFunction, props, ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem']);
    this.driver.grantStartExecution(this.apiFunction);

    const integration = new apigw.LambdaIntegration(this.apiFunction, { proxy: true });
    const one = props.api.root.resourceForPath('executions/{name}');
    one.addResource('stop').addMethod('POST', integration);
    one.addResource('redrive').addMethod('POST', integration);
    // A resource of its own beside `{name}` (API Gateway prefers it): an execution cannot be named "actions" here.
    const actions = props.api.root.resourceForPath('executions').addResource('actions');
    actions.addMethod('POST', integration);
    const action = actions.addResource('{actionId}');
    action.addMethod('GET', integration);
    action.addMethod('DELETE', integration);
  }

  /**
   * What stopping and redriving needs (both functions act): StopExecution and RedriveExecution on the workflows'
   * executions, StartExecution of an Express restart, the execution records, a stopped queued trigger's skip note,
   * the selection's listing indexes, the lifecycle events, and these actions on the bulk action jobs.
   */
  private grantActing(fn: lambda.IFunction, props: ExecutionActionsApiProps, jobActions: readonly string[]): void {
    fn.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'StopAndRedriveExecutions', actions: ['states:StopExecution', 'states:RedriveExecution'], resources: [workflowExecutionArns(fn)] }),
    );
    Validations.of(fn.role ?? fn).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${workflowNamePrefix(Stack.of(fn).stackName)}*]`,
      reason:
        "An execution's ARN ends in its name, known only when it starts: the wildcard covers the executions of this stack's workflow machines (their names share the prefix) and no other machine's.",
    });
    const machineArns = [...props.stateMachines.values()].map((machine) => machine.stateMachineArn);
    if (machineArns.length > 0) {
      fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'RestartExpressExecutions', actions: ['states:StartExecution'], resources: machineArns }));
    }
    const onKeys = (sid: string, actions: readonly string[], ...prefixes: string[]) =>
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          sid,
          actions: [...actions],
          resources: [props.stateTable.tableArn],
          conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': prefixes.map((prefix) => `${prefix}*`) } },
        }),
      );
    // Records: read, the redrive's and the end's conditional updates, an Express restart's record and claim.
    onKeys('KeepExecutionRecords', ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], STATE_TABLE.prefix.execution);
    onKeys('NoteStoppedTriggers', ['dynamodb:PutItem'], `${STATE_TABLE.prefix.flow}skip#`);
    onKeys('BulkActionJobs', jobActions, `${STATE_TABLE.prefix.replay}act-`);
    const indexes = [STATE_TABLE.byCorrelation, STATE_TABLE.byWorkflow, STATE_TABLE.byStatus].map((index) => `${props.stateTable.tableArn}/index/${index.indexName}`);
    fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'SelectExecutions', actions: ['dynamodb:Query'], resources: indexes }));
    // The stopped or redriven execution's `workflow.*` event, appended as every ingest path appends (put, and get to tell a duplicate).
    fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'AppendLifecycleEvents', actions: ['dynamodb:PutItem', 'dynamodb:GetItem'], resources: [props.eventsTable.tableArn] }));
    for (const statement of markHoursStatements(props.eventsTable)) fn.addToRolePolicy(statement);
    // The tables' key, which is also the state machines' (StopExecution and StartExecution encrypt what they carry).
    grantKeyUse(props.encryptionKey, fn, 'encrypt-decrypt');
  }

  private createDriver(props: ExecutionActionsApiProps): sfn.StateMachine {
    // The replay driver's machine: a step is a page, the job record is the same kind (its MarkFailed included).
    const driver = createJobDriver(this, {
      step: this.stepFunction,
      stepSid: 'InvokeStep',
      logName: 'bulk-action-driver',
      stateTableName: props.stateTable.tableName,
      ...(props.encryptionKey === undefined ? {} : { encryptionKey: props.encryptionKey }),
      ...(props.logRetention === undefined ? {} : { logRetention: props.logRetention }),
    });
    driver.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'MarkJobsFailed',
        actions: ['dynamodb:UpdateItem'],
        resources: [props.stateTable.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${STATE_TABLE.prefix.replay}act-*`] } },
      }),
    );
    grantKeyUse(props.encryptionKey, driver, 'encrypt-decrypt');
    return driver;
  }
}
