/**
 * One Step Functions state machine per workflow of the project: the ASL as written, its `${Task}`
 * placeholders substituted with the ARNs of task Lambdas built from `lambdas/tasks/<task-file>.ts`.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { taskFileName, type WorkflowDefinition } from '../lambdas/core/index.js';
import { createFunction, type EdweFunctionProps } from './lambda-defaults.js';

/** Express executions cannot run longer than five minutes. */
const EXPRESS_MAX_SECONDS = 300;

export interface WorkflowsProps {
  /** Workflow id → definition, as `loadProject` returns them. */
  readonly workflows: ReadonlyMap<string, WorkflowDefinition>;
  /** The entry file of a task function, e.g. `taskEntry(project.paths, task)`. */
  readonly taskEntry: (task: string) => string;
  /** Merged over every task function's defaults. */
  readonly taskFunctionProps?: Partial<EdweFunctionProps>;
  /** How long execution logs are kept. Default one month. */
  readonly logRetention?: logs.RetentionDays;
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
        // A named group left behind would block the stack from being created again.
        removalPolicy: RemovalPolicy.DESTROY,
      });
      const machine = new sfn.StateMachine(this, workflow.id, {
        definitionBody: sfn.DefinitionBody.fromString(workflow.definition),
        definitionSubstitutions: Object.fromEntries(tasks.map(([task, fn]) => [task, fn.functionArn])),
        stateMachineType: express ? sfn.StateMachineType.EXPRESS : sfn.StateMachineType.STANDARD,
        timeout: Duration.seconds(timeoutSeconds),
        tracingEnabled: true,
        // Express executions leave no history but their logs, so they log everything; Standard ones log failures.
        logs: { destination: logGroup, level: express ? sfn.LogLevel.ALL : sfn.LogLevel.ERROR, includeExecutionData: express },
      });
      // The definition is a string, so CDK cannot see the Lambdas it calls: grant them by hand.
      for (const [, fn] of tasks) fn.grantInvoke(machine);
      this.stateMachines.set(workflow.id, machine);
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
      ...props.taskFunctionProps,
    });
    this.taskFunctions.set(task, fn);
    return fn;
  }
}
