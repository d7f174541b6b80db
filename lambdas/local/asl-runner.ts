/**
 * Runs the project's `workflows/*.asl.json` locally with aws-local-stepfunctions: each `${Task}`
 * placeholder becomes a Lambda ARN whose Task states are served by the task function itself.
 */
import './polyfills.js';
import { pathToFileURL } from 'node:url';
import { ExecutionAbortedError, ExecutionError, ExecutionTimeoutError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { substitutePlaceholders, taskFileName, type ExecutionStatus, type WorkflowDefinition } from '../core/index.js';
import { taskEntry, type ProjectPaths } from '../project/load-project.js';

/** A task function as `lambdas/tasks/*.ts` export it. */
export type TaskFunction = (input: unknown) => Promise<unknown>;

export interface WorkflowOutcome {
  status: Exclude<ExecutionStatus, 'RUNNING'>;
  output?: unknown;
  error?: { error: string; cause?: string };
}

const LOCAL_ARN_PREFIX = 'arn:aws:lambda:us-east-1:000000000000:function:edwe-';

interface PreparedWorkflow {
  machine: StateMachine;
  handlers: Record<string, (input: unknown) => Promise<unknown>>;
}

export class LocalWorkflowRunner {
  private constructor(private readonly workflows: ReadonlyMap<string, PreparedWorkflow>) {}

  /** Loads every task function the workflows use and validates each definition. */
  static async load(definitions: Iterable<WorkflowDefinition>, paths: ProjectPaths): Promise<LocalWorkflowRunner> {
    const tasks = new Map<string, TaskFunction>();
    const prepared = new Map<string, PreparedWorkflow>();
    for (const workflow of definitions) {
      for (const task of workflow.tasks) {
        if (!tasks.has(task)) tasks.set(task, await importTask(taskEntry(paths, task)));
      }
      const asl = JSON.parse(substitutePlaceholders(workflow.definition, (task) => `${LOCAL_ARN_PREFIX}${taskFileName(task)}`)) as StateMachineDefinition;
      if (asl.TimeoutSeconds === undefined) asl.TimeoutSeconds = workflow.settings.timeoutSeconds;
      const handlers: PreparedWorkflow['handlers'] = {};
      for (const [stateName, resource] of taskStates(asl)) {
        if (!resource.startsWith(LOCAL_ARN_PREFIX)) continue;
        const fileName = resource.slice(LOCAL_ARN_PREFIX.length);
        const task = workflow.tasks.find((t) => taskFileName(t) === fileName) as string;
        handlers[stateName] = tasks.get(task) as TaskFunction;
      }
      prepared.set(workflow.id, { machine: new StateMachine(asl, { validationOptions: { checkPaths: true } }), handlers });
    }
    return new LocalWorkflowRunner(prepared);
  }

  has(workflowId: string): boolean {
    return this.workflows.has(workflowId);
  }

  /** Runs one execution to its end; never throws for a workflow failure (that is an outcome). */
  async run(workflowId: string, input: unknown, context: { executionName: string; startTime: string }): Promise<WorkflowOutcome> {
    const workflow = this.workflows.get(workflowId);
    if (!workflow) return { status: 'FAILED', error: { error: 'States.Runtime', cause: `Unknown workflow "${workflowId}"` } };
    try {
      const execution = workflow.machine.run(input as Parameters<StateMachine['run']>[0], {
        overrides: { taskResourceLocalHandlers: workflow.handlers as never },
        context: { Execution: { Id: context.executionName, Name: context.executionName, Input: input, StartTime: context.startTime } } as never,
      });
      return { status: 'SUCCEEDED', output: await execution.result };
    } catch (error) {
      if (error instanceof ExecutionTimeoutError) return { status: 'TIMED_OUT', error: { error: 'States.Timeout', cause: 'The execution exceeded its timeout' } };
      if (error instanceof ExecutionAbortedError) return { status: 'ABORTED', error: { error: 'States.Aborted', cause: 'The execution was aborted' } };
      return { status: 'FAILED', error: describeFailure(error) };
    }
  }
}

function describeFailure(error: unknown): { error: string; cause?: string } {
  const inner = error instanceof ExecutionError && error.cause instanceof Error ? error.cause : error;
  if (inner instanceof Error) {
    const name = (inner as { name: string }).name;
    return { error: name && name !== 'Error' ? name : 'States.TaskFailed', cause: inner.message };
  }
  return { error: 'States.Runtime', cause: String(inner) };
}

/** Every Task state, nested Parallel branches and Map processors included, with its resource. */
function taskStates(asl: StateMachineDefinition): Array<[string, string]> {
  const found: Array<[string, string]> = [];
  const visit = (states: Record<string, unknown>): void => {
    for (const [name, state] of Object.entries(states)) {
      const s = state as { Type?: string; Resource?: string; Branches?: Array<{ States: Record<string, unknown> }>; Iterator?: { States: Record<string, unknown> }; ItemProcessor?: { States: Record<string, unknown> } };
      if (s.Type === 'Task' && typeof s.Resource === 'string') found.push([name, s.Resource]);
      for (const branch of s.Branches ?? []) visit(branch.States);
      if (s.Iterator) visit(s.Iterator.States);
      if (s.ItemProcessor) visit(s.ItemProcessor.States);
    }
  };
  visit(asl.States as Record<string, unknown>);
  return found;
}

async function importTask(path: string): Promise<TaskFunction> {
  const module = (await import(pathToFileURL(path).href)) as { handler?: unknown };
  if (typeof module.handler !== 'function') throw new Error(`${path} does not export a "handler" function`);
  return module.handler as TaskFunction;
}
