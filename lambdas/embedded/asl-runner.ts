/**
 * Runs the project's `workflows/*.asl.json` locally with aws-local-stepfunctions: each `${Task}`
 * placeholder becomes a Lambda ARN whose Task states are served by the task function itself.
 *
 * The interpreter is imported on first use (or by `loadInterpreter()`), not with this module: it
 * loads the AWS SDK's Lambda client and a JSON schema validator at import, about a second of CPU
 * that neither the library's import nor `edwe dev`'s start-up should pay.
 */
import './polyfills.js';
import type { StateMachine, StateMachineDefinition } from 'aws-local-stepfunctions';
import { substitutePlaceholders, taskFileName, withIdempotencyKeys, type ExecutionStatus, type StateStep, type StopCause, type WorkflowDefinition } from '../core/index.js';
import { taskEntry, type ProjectPaths } from '../project/load-project.js';
import { importTask, type TaskFunction } from './task-modules.js';
import type { TaskTokens } from './task-tokens.js';

export type { TaskFunction } from './task-modules.js';

export interface WorkflowOutcome {
  status: Exclude<ExecutionStatus, 'RUNNING'>;
  output?: unknown;
  error?: { error: string; cause?: string };
  /** The top-level states it passed through, in order (at most MAX_STEPS). */
  states?: StateStep[];
}

/** One entry of the interpreter's event log (the package does not export the type). */
type EventLog = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer T> ? T : never;

/** A looping workflow can pass through states without end: its record keeps the first ones. */
const MAX_STEPS = 200;

/** The Pass state a resumed run starts at (no definition's own: ASL names are ≤ 80 characters of any kind, this one is reserved). */
const RESUME_STATE = 'edwe:resume';

/** Where a run resumes: the top-level state last entered, with its input, and the states passed through before it. */
export interface ResumePoint {
  state: string;
  input: unknown;
  steps: StateStep[];
}

export interface RunContext {
  executionName: string;
  startTime: string;
  /** Resume at this state instead of the start. */
  resume?: ResumePoint;
  /** Instead of the definition's `TimeoutSeconds` (what is left of it, after a restart). */
  timeoutSeconds?: number;
  /** Aborts the run (a stop): its reason, a `StopCause`, becomes the execution's error. */
  signal?: AbortSignal;
  /**
   * The runner's checkpoints: hears of a top-level state entered, with its input and the states passed before it, when
   * the state before it may have had an effect (see `recordStates`).
   */
  onCheckpoint?: (state: string, input: unknown, steps: StateStep[]) => void;
}

const LOCAL_ARN_PREFIX = 'arn:aws:lambda:us-east-1:000000000000:function:edwe-';

/** How a Task state reaches its task function. */
type TaskBinding =
  /** `"Resource": "${Task}"`: the state's input in, the function's result out. */
  | { kind: 'direct'; task: TaskFunction }
  /** `arn:aws:states:::lambda:invoke` with `FunctionName: ${Task}`: `Payload` in, `{ Payload, StatusCode }` out. */
  | { kind: 'invoke'; task: TaskFunction }
  /** `…lambda:invoke.waitForTaskToken`: the function gets a token and the state waits until it is completed. */
  | { kind: 'waitForTaskToken'; task: TaskFunction };

interface PreparedWorkflow {
  definition: StateMachineDefinition;
  /** Made on the workflow's first run. */
  machine?: StateMachine;
  bindings: Map<string, TaskBinding>;
}

type Interpreter = typeof import('aws-local-stepfunctions');
let interpreter: Promise<Interpreter> | undefined;

/** Imports the ASL interpreter once; call it after start-up to have the first execution find it loaded. */
export function loadInterpreter(): Promise<Interpreter> {
  interpreter ??= import('aws-local-stepfunctions');
  return interpreter;
}

const INVOKE = 'arn:aws:states:::lambda:invoke';

export class LocalWorkflowRunner {
  private constructor(
    private readonly workflows: ReadonlyMap<string, PreparedWorkflow>,
    private readonly tokens: TaskTokens,
  ) {}

  /** Loads every task function the workflows use and finds the Task state each one serves. */
  static async load(definitions: Iterable<WorkflowDefinition>, paths: ProjectPaths, tokens: TaskTokens): Promise<LocalWorkflowRunner> {
    const tasks = new Map<string, TaskFunction>();
    const prepared = new Map<string, PreparedWorkflow>();
    for (const workflow of definitions) {
      for (const task of workflow.tasks) {
        if (!tasks.has(task)) tasks.set(task, await importTask(taskEntry(paths, task)));
      }
      const asl = JSON.parse(substitutePlaceholders(withIdempotencyKeys(workflow.definition), (task) => `${LOCAL_ARN_PREFIX}${taskFileName(task)}`)) as StateMachineDefinition;
      if (asl.TimeoutSeconds === undefined) asl.TimeoutSeconds = workflow.settings.timeoutSeconds;
      const taskFor = (arn: unknown): TaskFunction | undefined => {
        if (typeof arn !== 'string' || !arn.startsWith(LOCAL_ARN_PREFIX)) return undefined;
        const task = workflow.tasks.find((t) => taskFileName(t) === arn.slice(LOCAL_ARN_PREFIX.length));
        return task === undefined ? undefined : tasks.get(task);
      };
      const bindings = new Map<string, TaskBinding>();
      for (const [stateName, state] of taskStates(asl)) {
        const direct = taskFor(state.Resource);
        if (direct) bindings.set(stateName, { kind: 'direct', task: direct });
        const invoked = taskFor(state.Parameters?.FunctionName);
        if (invoked && state.Resource === INVOKE) bindings.set(stateName, { kind: 'invoke', task: invoked });
        if (invoked && state.Resource === `${INVOKE}.waitForTaskToken`) bindings.set(stateName, { kind: 'waitForTaskToken', task: invoked });
      }
      prepared.set(workflow.id, { definition: asl, bindings });
    }
    return new LocalWorkflowRunner(prepared, tokens);
  }

  /** Whether the workflow has a top-level state of that name (a checkpoint of an older definition may not). */
  hasState(workflowId: string, stateName: string): boolean {
    const states = this.workflows.get(workflowId)?.definition.States as Record<string, unknown> | undefined;
    return states !== undefined && Object.hasOwn(states, stateName);
  }

  /** The workflow's `TimeoutSeconds`. */
  timeoutSeconds(workflowId: string): number | undefined {
    return this.workflows.get(workflowId)?.definition.TimeoutSeconds;
  }

  /** Runs one execution to its end (or from a checkpoint on); never throws for a workflow failure (that is an outcome). */
  async run(workflowId: string, input: unknown, context: RunContext): Promise<WorkflowOutcome> {
    const workflow = this.workflows.get(workflowId);
    if (!workflow) return { status: 'FAILED', error: { error: 'States.Runtime', cause: `Unknown workflow "${workflowId}"` } };
    const handlers: Record<string, (stateInput: unknown) => Promise<unknown>> = {};
    for (const [stateName, binding] of workflow.bindings) handlers[stateName] = this.#handler(binding, context.executionName, stateName);
    const { ExecutionAbortedError, ExecutionTimeoutError, StateMachine } = await loadInterpreter();
    // loadProject has validated every definition (validate-asl.ts): validating again would cost a second schema compile.
    const options = { validationOptions: { noValidate: true } };
    const { resume, timeoutSeconds } = context;
    const machine =
      resume === undefined && timeoutSeconds === undefined
        ? (workflow.machine ??= new StateMachine(workflow.definition, options))
        : new StateMachine(resumedDefinition(workflow.definition, resume, timeoutSeconds), options);
    const states: StateStep[] = [...(resume?.steps ?? [])];
    let history: Promise<void> | undefined;
    const withStates = <T extends WorkflowOutcome>(outcome: T): T => (states.length > 0 ? { ...outcome, states } : outcome);
    const { signal } = context;
    try {
      if (signal?.aborted) throw new ExecutionAbortedError();
      const execution = machine.run(input as Parameters<StateMachine['run']>[0], {
        overrides: { taskResourceLocalHandlers: handlers as never },
        // The interpreter resolves `$$.Task.Token` from here; each wait swaps in a token of its own.
        context: {
          Execution: { Id: context.executionName, Name: context.executionName, Input: input, StartTime: context.startTime },
          Task: { Token: `${context.executionName}#context` },
        } as never,
      });
      const abort = () => execution.abort();
      signal?.addEventListener('abort', abort, { once: true });
      void execution.result.catch(() => undefined).finally(() => signal?.removeEventListener('abort', abort));
      history = recordStates(execution.eventLogs, states, context.onCheckpoint);
      const output = await execution.result;
      await settle(history);
      return withStates({ status: 'SUCCEEDED', output });
    } catch (error) {
      await settle(history);
      if (error instanceof ExecutionTimeoutError) return withStates({ status: 'TIMED_OUT', error: { error: 'States.Timeout', cause: 'The execution exceeded its timeout' } });
      if (error instanceof ExecutionAbortedError) return withStates({ status: 'ABORTED', error: abortCause(signal) });
      return withStates({ status: 'FAILED', error: describeFailure(error, await loadInterpreter()) });
    } finally {
      this.tokens.release(context.executionName);
    }
  }

  #handler(binding: TaskBinding, executionName: string, stateName: string): (stateInput: unknown) => Promise<unknown> {
    switch (binding.kind) {
      case 'direct':
        return (stateInput) => binding.task(stateInput);
      case 'invoke':
        return async (stateInput) => ({ StatusCode: 200, Payload: await binding.task((stateInput as { Payload?: unknown }).Payload) });
      case 'waitForTaskToken':
        return async (stateInput) => {
          // Each wait gets its own token (the interpreter hands every state the same context token).
          const token = this.tokens.issue(executionName, stateName);
          const payload = { ...((stateInput as { Payload?: Record<string, unknown> }).Payload ?? {}), taskToken: token };
          const completed = this.tokens.wait(token);
          await binding.task(payload);
          return completed;
        };
    }
  }
}

/** States that only compute from their input: running one again changes nothing, so no checkpoint need follow it. */
const PURE_STATES = new Set(['Pass', 'Choice']);

/**
 * Follows the interpreter's event log into `steps`: a step per top-level state entered, closed when it exits or fails.
 * `checkpoint` hears of a top-level state entered, with its input, before it runs — unless it is the first state (its
 * input is the execution's) or the state before it was a Pass or a Choice: resuming at the checkpoint before those
 * runs them again, which no task notices. That spares a write for every such state.
 */
async function recordStates(log: AsyncGenerator<EventLog>, steps: StateStep[], checkpoint?: RunContext['onCheckpoint']): Promise<void> {
  const iso = (ms: number) => new Date(ms).toISOString();
  let open: StateStep | undefined;
  let previousType: string | undefined;
  for await (const entry of log) {
    // Map iterations and Parallel branches report their inner states with an index or a parent: the record keeps the top level.
    if (!('state' in entry) || 'index' in entry || 'parentState' in entry || entry.state.name === RESUME_STATE) continue;
    if (entry.type === 'StateEntered') {
      if (previousType !== undefined && !PURE_STATES.has(previousType)) checkpoint?.(entry.state.name, entry.state.input, steps.slice(0, MAX_STEPS));
      previousType = entry.state.type;
      if (steps.length >= MAX_STEPS) continue;
      open = { name: entry.state.name, enteredAt: iso(entry.timestamp) };
      steps.push(open);
    } else if ((entry.type === 'StateExited' || entry.type === 'StateFailed') && open !== undefined && open.name === entry.state.name) {
      open.exitedAt = iso(entry.timestamp);
      open.status = entry.type === 'StateExited' ? 'SUCCEEDED' : 'FAILED';
      open = undefined;
    }
  }
}

/**
 * The definition that resumes at `resume.state` with `resume.input`: a Pass state put first hands the recorded input to
 * the resumed state. (Starting at the state itself would make the recorded input `$$.Execution.Input`: the interpreter
 * sets that from the run's input, and the execution's own input must stay there.) For a top-level state that is the
 * same as having reached it: a state sees only its input and the context object.
 */
function resumedDefinition(definition: StateMachineDefinition, resume: ResumePoint | undefined, timeoutSeconds: number | undefined): StateMachineDefinition {
  const derived = { ...definition };
  if (timeoutSeconds !== undefined) derived.TimeoutSeconds = timeoutSeconds;
  if (resume === undefined) return derived;
  // Result wrapped and unwrapped by OutputPath: the interpreter ignores a falsy Result (null, 0, false, "").
  const pass = { Type: 'Pass', Result: { input: resume.input }, OutputPath: '$.input', Next: resume.state };
  return { ...derived, StartAt: RESUME_STATE, States: { ...definition.States, [RESUME_STATE]: pass } } as StateMachineDefinition;
}

/** The error of an aborted execution: the stop's cause when a stop aborted it. */
function abortCause(signal: AbortSignal | undefined): { error: string; cause?: string } {
  const reason = signal?.reason as Partial<StopCause> | undefined;
  if (reason !== undefined && typeof reason.error === 'string') return { error: reason.error, ...(typeof reason.cause === 'string' ? { cause: reason.cause } : {}) };
  return { error: 'States.Aborted', cause: 'The execution was aborted' };
}

/** Lets the log's last entries in (they are queued by the time the result settles) without waiting on a log that never closes. */
async function settle(history: Promise<void> | undefined): Promise<void> {
  if (history) await Promise.race([history.catch(() => undefined), new Promise((resolve) => setImmediate(resolve))]);
}

function describeFailure(error: unknown, { ExecutionError }: Interpreter): { error: string; cause?: string } {
  const inner = error instanceof ExecutionError && error.cause instanceof Error ? error.cause : error;
  if (inner instanceof Error) {
    const name = (inner as { name: string }).name;
    return { error: name && name !== 'Error' ? name : 'States.TaskFailed', cause: inner.message };
  }
  return { error: 'States.Runtime', cause: String(inner) };
}

interface TaskStateShape {
  Type?: string;
  Resource?: string;
  Parameters?: { FunctionName?: unknown };
  Branches?: Array<{ States: Record<string, unknown> }>;
  Iterator?: { States: Record<string, unknown> };
  ItemProcessor?: { States: Record<string, unknown> };
}

/** Every Task state, nested Parallel branches and Map processors included. */
function taskStates(asl: StateMachineDefinition): Array<[string, TaskStateShape]> {
  const found: Array<[string, TaskStateShape]> = [];
  const visit = (states: Record<string, unknown>): void => {
    for (const [name, state] of Object.entries(states)) {
      const s = state as TaskStateShape;
      if (s.Type === 'Task') found.push([name, s]);
      for (const branch of s.Branches ?? []) visit(branch.States);
      if (s.Iterator) visit(s.Iterator.States);
      if (s.ItemProcessor) visit(s.ItemProcessor.States);
    }
  };
  visit(asl.States as Record<string, unknown>);
  return found;
}
