/**
 * One Step Functions state machine per workflow of the project: the ASL as written, its `${Task}`
 * placeholders substituted with the ARNs of task Lambdas built from the project's task files (`workflows/tasks/`) or the built-in ones (`lambdas/tasks/`).
 * The built-in tasks get what they need: `emit-event` puts events in the Events table;
 * `wait-for-event` keeps waiters in the State table, reads the Events table's correlation index and
 * may complete tasks of the engine's own state machines. Every machine is traced, logs every step
 * to a log group of its own, and — like its logs — is encrypted with the engine's key when one is given.
 */
import { createHash } from 'node:crypto';
import { ArnFormat, Aws, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
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
import { grantKeyUse, grantKeyUseVia } from './encryption.js';
import { createFunction, type EdweFunctionProps } from './lambda-defaults.js';
import { markHoursStatements } from './hour-marks-grants.js';

/** Express executions cannot run longer than five minutes. */
const EXPRESS_MAX_SECONDS = 300;

/** Step Functions' limit on a state machine's name; workflow ids are at most 64 characters, which leaves 16 for the prefix. */
const MAX_NAME = 80;
const MAX_PREFIX = 16;

/**
 * The name prefix of a stack's workflow state machines: the stack name and `_` (`EdweStack_`), or —
 * for a stack name too long to leave room for a 64-character workflow id — its first characters and a
 * hash of the whole name (`MyVery-1a2b3c4d_`). Stack names have no `_`, so no other stack's machines
 * (nor the replay driver, whose name has none either) start with this prefix: a machine's name is
 * `<prefix><workflow id>`, deterministic and unique per stack, and its ARN is known without a
 * reference to it (the KMS grant's encryption context, the functions' environment, the lifecycle rule).
 */
export function workflowNamePrefix(stackName: string): string {
  if (stackName.length < MAX_PREFIX) return `${stackName}_`;
  return `${stackName.slice(0, MAX_PREFIX - 10)}-${createHash('sha256').update(stackName).digest('hex').slice(0, 8)}_`;
}

/** The ARN every workflow state machine's ARN of `scope`'s stack starts with (`arn:<partition>:states:<region>:<account>:stateMachine:<prefix>`). */
export function workflowArnPrefix(scope: Construct): string {
  const stack = Stack.of(scope);
  return stack.formatArn({ service: 'states', resource: 'stateMachine', resourceName: workflowNamePrefix(stack.stackName), arnFormat: ArnFormat.COLON_RESOURCE_NAME });
}

/**
 * The definition as deployed: the ASL with the workflow's `timeoutSeconds` as its top-level
 * `TimeoutSeconds` (Step Functions applies only that one to an execution given as a definition string),
 * and its service integrations in the stack's partition.
 * @throws Error when the ASL sets another top-level TimeoutSeconds than the settings.
 */
export function deployedDefinition(workflow: WorkflowDefinition, partition: string = Aws.PARTITION): string {
  const asl = JSON.parse(workflow.definition) as Record<string, unknown>;
  const { timeoutSeconds } = workflow.settings;
  if (asl.TimeoutSeconds !== undefined && asl.TimeoutSeconds !== timeoutSeconds) {
    throw new Error(
      `workflow ${workflow.id}: the ASL's TimeoutSeconds (${String(asl.TimeoutSeconds)}) differs from timeoutSeconds in its settings (${timeoutSeconds}); set it in one place`,
    );
  }
  // Service integrations are written `arn:aws:states:::…`; in another partition (China, GovCloud) they are that partition's.
  return JSON.stringify({ ...asl, TimeoutSeconds: timeoutSeconds }, null, 2).replaceAll('"arn:aws:states:::', `"arn:${partition}:states:::`);
}

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
  /** Workflow id → the log group its state machine logs every step to (Express workflows: what the lifecycle reads). */
  public readonly logGroups = new Map<string, logs.LogGroup>();
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
      const stateMachineName = `${workflowNamePrefix(Stack.of(this).stackName)}${workflow.id}`;
      if (stateMachineName.length > MAX_NAME) throw new Error(`workflow ${workflow.id}: its state machine name ${stateMachineName} is longer than ${MAX_NAME} characters`);
      const machine = new sfn.StateMachine(this, workflow.id, {
        // A name, not one CloudFormation makes up: the key policy's grant to the execution role is
        // conditioned on the machine's ARN in the encryption context, which must be known at synth.
        stateMachineName,
        // Every invoked task gets `<execution>/<state>` as its idempotency key (core/task-keys.ts).
        definitionBody: sfn.DefinitionBody.fromString(deployedDefinition({ ...workflow, definition: withIdempotencyKeys(workflow.definition) })),
        definitionSubstitutions: Object.fromEntries(tasks.map(([task, fn]) => [task, fn.functionArn])),
        stateMachineType: express ? sfn.StateMachineType.EXPRESS : sfn.StateMachineType.STANDARD,
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
      this.logGroups.set(workflow.id, logGroup);
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
      if (file === BUILT_IN_TASKS.emitEvent) {
        grantKeyUse(services.encryptionKey, fn, 'encrypt-decrypt');
        // Append-only, as every ingest path: put, and get to tell a duplicate from a conflict.
        fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'EmitEvents', actions: ['dynamodb:PutItem', 'dynamodb:GetItem'], resources: [services.eventsTable.tableArn] }));
        for (const statement of markHoursStatements(services.eventsTable)) fn.addToRolePolicy(statement);
        continue;
      }
      // Waiting opens no sealed field: the key only as DynamoDB (waiters, the look-back) and Step Functions (its task's result) use it.
      grantKeyUseVia(services.encryptionKey, fn, [{ tables: [services.eventsTable, services.stateTable] }, 'states']);
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
