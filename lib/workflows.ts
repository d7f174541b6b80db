/**
 * One Step Functions state machine per workflow of the project: the ASL as written, its `${Task}`
 * placeholders substituted with the ARNs of task Lambdas built from the project's task files (`workflows/tasks/`) or the built-in ones (`lambdas/tasks/`).
 * The built-in tasks get what they need: `emit-event` puts events in the Events table;
 * `wait-for-event` keeps waiters in the State table, reads the Events table's correlation index and
 * may complete tasks of the engine's own state machines. Every machine is traced, logs every step
 * to a log group of its own, and — like its logs — is encrypted with the engine's key when one is given.
 */
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ENV } from '../lambdas/layout/environment.js';
import { DEFAULT_RETENTION_DAYS, EVENTS_TABLE } from '../lambdas/layout/events-table.js';
import { taskFileName, withIdempotencyKeys, type WorkflowDefinition } from '../lambdas/core/index.js';
import { grantKeyUse } from './encryption.js';
import { createFunction, type EdweFunctionProps } from './lambda-defaults.js';

/** Express executions cannot run longer than five minutes. */
const EXPRESS_MAX_SECONDS = 300;

/** The task files of the built-in tasks (docs/workflows.md), which reach the engine's tables. */
export const BUILT_IN_TASKS = { emitEvent: 'emit-event', waitForEvent: 'wait-for-event' } as const;

/**
 * The cdk-nag finding every traced, logging state machine has: CDK's log-delivery and X-Ray statements
 * on "*", for actions that have no resource-level permissions.
 */
export function acknowledgeStateMachineRules(machine: sfn.StateMachine): void {
  Validations.of(machine.role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'Logging to CloudWatch Logs (logs:*LogDelivery, DescribeLogGroups, DescribeResourcePolicies, PutResourcePolicy) and X-Ray tracing (PutTraceSegments, PutTelemetryRecords, GetSampling*) support only "*"; test/infra/least-privilege.test.ts holds every "*" statement to these actions.',
  });
}

/** Where the built-in tasks find the engine. */
export interface TaskServicesProps {
  readonly eventsTable: dynamodb.ITable;
  readonly stateTable: dynamodb.ITable;
  /** The tables' key. */
  readonly encryptionKey?: kms.IKey;
  /** Days an emitted event is kept. Default 30. */
  readonly retentionDays?: number;
}

export interface WorkflowsProps {
  /** Workflow id → definition, as `loadProject` returns them. */
  readonly workflows: ReadonlyMap<string, WorkflowDefinition>;
  /** The entry file of a task function, e.g. `taskEntry(project.paths, task)`. */
  readonly taskEntry: (task: string) => string;
  /** Merged over every task function's defaults. */
  readonly taskFunctionProps?: Partial<EdweFunctionProps>;
  /** How long execution logs are kept. Default one month. */
  readonly logRetention?: logs.RetentionDays;
  /** The tables the built-in tasks use. Without them, a workflow using a built-in task cannot reach the engine. */
  readonly taskServices?: TaskServicesProps;
  /** Encrypts the state machines (their inputs, outputs and history), their logs and the task functions' logs. */
  readonly encryptionKey?: kms.IKey;
}

/**
 * @example new Workflows(this, 'Workflows', { workflows: project.workflows, taskEntry: (t) => taskEntry(project.paths, t) })
 */
export class Workflows extends Construct {
  /** Workflow id → state machine. */
  public readonly stateMachines = new Map<string, sfn.StateMachine>();
  /** Task name (the placeholder, e.g. `ValidateUser`) → function; a task shared by workflows is one function. */
  public readonly taskFunctions = new Map<string, NodejsFunction>();

  constructor(scope: Construct, id: string, props: WorkflowsProps) {
    super(scope, id);
    for (const workflow of props.workflows.values()) {
      const { type, timeoutSeconds } = workflow.settings;
      if (type === 'EXPRESS' && timeoutSeconds > EXPRESS_MAX_SECONDS) {
        throw new Error(`workflow ${workflow.id}: an EXPRESS workflow runs at most ${EXPRESS_MAX_SECONDS} s; timeoutSeconds is ${timeoutSeconds}`);
      }
      const tasks = workflow.tasks.map((task) => [task, this.taskFunction(task, props)] as const);
      const express = type === 'EXPRESS';

      const logGroup = new logs.LogGroup(this, `${workflow.id}Logs`, {
        // The vended-logs prefix keeps CloudWatch's log resource policy from growing with every workflow.
        logGroupName: `/aws/vendedlogs/states/${Stack.of(this).stackName}/${workflow.id}`,
        retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
        ...(props.encryptionKey === undefined ? {} : { encryptionKey: props.encryptionKey }),
        // A named group left behind would block the stack from being created again.
        removalPolicy: RemovalPolicy.DESTROY,
      });
      const machine = new sfn.StateMachine(this, workflow.id, {
        // Every invoked task gets `<execution>/<state>` as its idempotency key (core/task-keys.ts).
        definitionBody: sfn.DefinitionBody.fromString(withIdempotencyKeys(workflow.definition)),
        definitionSubstitutions: Object.fromEntries(tasks.map(([task, fn]) => [task, fn.functionArn])),
        stateMachineType: express ? sfn.StateMachineType.EXPRESS : sfn.StateMachineType.STANDARD,
        timeout: Duration.seconds(timeoutSeconds),
        tracingEnabled: true,
        // Every step is logged; the data only for Express executions, which keep no history but their logs.
        logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: express },
        ...(props.encryptionKey === undefined ? {} : { encryptionConfiguration: new sfn.CustomerManagedEncryptionConfiguration(props.encryptionKey) }),
      });
      // The definition is a string, so CDK cannot see the Lambdas it calls: grant them by hand — the
      // functions as the definition names them (unqualified), not CDK's `<arn>:*` for every version.
      machine.addToRolePolicy(new iam.PolicyStatement({ sid: 'InvokeTasks', actions: ['lambda:InvokeFunction'], resources: tasks.map(([, fn]) => fn.functionArn) }));
      acknowledgeStateMachineRules(machine);
      this.stateMachines.set(workflow.id, machine);
    }
    if (props.taskServices !== undefined) this.connectBuiltInTasks(props.taskServices);
  }

  /** Environment and least-privilege grants for the built-in tasks the workflows use. */
  private connectBuiltInTasks(services: TaskServicesProps): void {
    for (const [task, fn] of this.taskFunctions) {
      const file = taskFileName(task);
      if (file !== BUILT_IN_TASKS.emitEvent && file !== BUILT_IN_TASKS.waitForEvent) continue;
      fn.addEnvironment(ENV.EVENTS_TABLE, services.eventsTable.tableName);
      fn.addEnvironment(ENV.STATE_TABLE, services.stateTable.tableName);
      fn.addEnvironment(ENV.RETENTION_DAYS, String(services.retentionDays ?? DEFAULT_RETENTION_DAYS));
      grantKeyUse(services.encryptionKey, fn, 'encrypt-decrypt');
      if (file === BUILT_IN_TASKS.emitEvent) {
        // Append-only, as every ingest path: put, and get to tell a duplicate from a conflict.
        fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'EmitEvents', actions: ['dynamodb:PutItem', 'dynamodb:GetItem'], resources: [services.eventsTable.tableArn] }));
        continue;
      }
      fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'KeepWaiters', actions: ['dynamodb:PutItem', 'dynamodb:DeleteItem'], resources: [services.stateTable.tableArn] }));
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'LookBackOverCorrelation',
          actions: ['dynamodb:Query'],
          resources: [`${services.eventsTable.tableArn}/index/${EVENTS_TABLE.byCorrelation.indexName}`],
        }),
      );
      // In a policy of its own, not the function's default one: the state machines name the function,
      // and a function waits for its default policy, so naming the machines there would be a cycle.
      const role = fn.role;
      if (role !== undefined && this.stateMachines.size > 0) {
        new iam.Policy(this, `Task${task}CompleteTasks`, {
          roles: [role],
          statements: [
            new iam.PolicyStatement({
              sid: 'CompleteOwnTasks',
              actions: ['states:SendTaskSuccess'],
              resources: [...this.stateMachines.values()].map((machine) => machine.stateMachineArn),
            }),
          ],
        });
      }
    }
  }

  private taskFunction(task: string, props: WorkflowsProps): NodejsFunction {
    const existing = this.taskFunctions.get(task);
    if (existing) return existing;
    const fn = createFunction(this, `Task${task}`, {
      entry: props.taskEntry(task),
      serviceName: 'edwe-task',
      description: `edwe task ${taskFileName(task)}`,
      timeout: Duration.seconds(30),
      ...(props.encryptionKey === undefined ? {} : { logKey: props.encryptionKey }),
      ...(props.logRetention === undefined ? {} : { logRetention: props.logRetention }),
      ...props.taskFunctionProps,
    });
    this.taskFunctions.set(task, fn);
    return fn;
  }
}
