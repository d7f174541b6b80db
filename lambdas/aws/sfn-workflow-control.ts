/**
 * `WorkflowControl` on Step Functions. Standard executions are stopped with `StopExecution` and redriven with
 * `RedriveExecution` (same ARN, resumed at the failed state, within 14 days of the end). Express executions have
 * neither: a stop is refused, and a redrive starts a new execution `<name>-redrive-<n>` with the original input,
 * recorded and started exactly once by the workflow starter.
 */
import { RedriveExecutionCommand, StopExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import {
  ConflictError,
  NotFoundError,
  RetryableError,
  shortHash,
  ValidationError,
  type Clock,
  type RedriveOutcome,
  type StopCause,
  type StoredExecution,
  type WorkflowControl,
  type WorkflowStarter,
} from '../core/index.js';
import { classifySdkError } from './sdk-errors.js';

/** How long after its end Step Functions lets an execution be redriven. */
export const REDRIVE_WINDOW_MS = 14 * 86_400_000;
/** Step Functions' longest execution name. */
const MAX_NAME = 80;
/** Step Functions' limits on a stop's error and cause. */
const MAX_STOP_ERROR = 256;
const MAX_STOP_CAUSE = 32_768;

export interface SfnWorkflowControlOptions {
  client: SFNClient;
  /** Workflow id → state machine ARN (the function form: a name prefix completed by the id). */
  stateMachineArns: (workflowId: string) => string | undefined;
  /** Ids of the EXPRESS workflows; every other workflow is STANDARD. */
  expressWorkflows: ReadonlySet<string>;
  /** Starts an Express restart (RecordedWorkflowStarter: the record first, so it starts once). */
  starter: WorkflowStarter;
  clock?: Clock;
}

/** The name an Express restart runs under: `<name>-redrive-<n>`, the name cut so that the whole fits 80 characters. */
export function restartName(name: string, redriveCount: number): string {
  const suffix = `-redrive-${redriveCount}`;
  return `${name.slice(0, MAX_NAME - suffix.length)}${suffix}`;
}

/** The client token of an execution's n-th redrive (at most 64 characters, as Step Functions takes them). */
export function redriveToken(name: string, redriveCount: number): string {
  return `${shortHash(name, 32)}-redrive-${redriveCount}`;
}

/** A Standard execution's ARN: the state machine's, `stateMachine` changed for `execution`, and the name. */
export function executionArnOf(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

/**
 * @example await new SfnWorkflowControl({ client, stateMachineArns, expressWorkflows, starter }).redrive(execution)
 */
export class SfnWorkflowControl implements WorkflowControl {
  private readonly clock: Clock;

  constructor(private readonly options: SfnWorkflowControlOptions) {
    this.clock = options.clock ?? { now: Date.now };
  }

  /**
   * `StopExecution`; false when Step Functions no longer has it running (it ended meanwhile).
   * @throws ConflictError for an Express execution (Step Functions cannot stop one); NotFoundError when Step Functions does not know it.
   */
  async stop(execution: StoredExecution, cause: StopCause): Promise<boolean> {
    if (this.isExpress(execution)) {
      throw new ConflictError(
        `Execution "${execution.name}" is of the EXPRESS workflow ${execution.workflowId}: Step Functions cannot stop an Express execution (it ends within 5 minutes)`,
      );
    }
    const executionArn = this.executionArn(execution);
    try {
      await this.options.client.send(
        new StopExecutionCommand({
          executionArn,
          error: cause.error.slice(0, MAX_STOP_ERROR),
          ...(cause.cause === undefined ? {} : { cause: cause.cause.slice(0, MAX_STOP_CAUSE) }),
        }),
      );
      return true;
    } catch (error) {
      throw mapSfnError(error, execution.name, 'stopping');
    }
  }

  /**
   * Standard: `RedriveExecution`. Express: a new execution `<name>-redrive-<n>` with the original input.
   * @throws ConflictError outside the 14-day window or when Step Functions finds it not redrivable; NotFoundError; RetryableError.
   */
  async redrive(execution: StoredExecution): Promise<RedriveOutcome> {
    const redriveCount = (execution.redriveCount ?? 0) + 1;
    if (this.isExpress(execution)) {
      const executionName = restartName(execution.name, redriveCount);
      await this.options.starter.start({ workflowId: execution.workflowId, ruleId: execution.ruleId, executionName, input: execution.input });
      return { kind: 'restarted', executionName, redriveCount };
    }
    const endedAt = Date.parse(execution.stoppedAt ?? execution.startedAt);
    if (this.clock.now() - endedAt > REDRIVE_WINDOW_MS) {
      throw new ConflictError(
        `Execution "${execution.name}" ended at ${execution.stoppedAt}, more than 14 days ago: Step Functions redrives an execution only within 14 days of its end`,
      );
    }
    const executionArn = this.executionArn(execution);
    try {
      // One token per execution and redrive: a retry of this redrive (the SDK's, or a bulk job's after a crash) is the same redrive.
      await this.options.client.send(new RedriveExecutionCommand({ executionArn, clientToken: redriveToken(execution.name, redriveCount) }));
      return { kind: 'resumed', executionName: execution.name, redriveCount };
    } catch (error) {
      throw mapSfnError(error, execution.name, 'redriving');
    }
  }

  private isExpress(execution: StoredExecution): boolean {
    return this.options.expressWorkflows.has(execution.workflowId);
  }

  private executionArn(execution: StoredExecution): string {
    const machine = this.options.stateMachineArns(execution.workflowId);
    if (machine === undefined) throw new ValidationError(`workflow "${execution.workflowId}" has no state machine`, [{ path: 'workflowId', message: 'unknown workflow' }]);
    return executionArnOf(machine, execution.name);
  }
}

/** Step Functions' refusals as the engine's errors: not redrivable → 409, unknown → 404, the running-executions quota → retry. */
export function mapSfnError(error: unknown, name: string, doing: string): unknown {
  const code = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ExecutionNotRedrivable') return new ConflictError(`Execution "${name}" cannot be redriven: ${message}`, { cause: error });
  if (code === 'ExecutionDoesNotExist') return new NotFoundError(`Step Functions has no execution "${name}"`, { cause: error });
  if (code === 'ExecutionLimitExceeded') return new RetryableError(`${doing} ${name}: the account's running-executions quota is reached`, { cause: error });
  if (code === 'InvalidArn' || code === 'ValidationException') return new ValidationError(`${doing} ${name}: ${message}`, [], { cause: error });
  return classifySdkError(error, `${doing} ${name}`);
}
