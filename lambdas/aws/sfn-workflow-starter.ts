/**
 * Starts workflow executions on Step Functions. The execution name is the trigger's deterministic
 * name, so a redelivered stream record meets `ExecutionAlreadyExists` instead of a second execution.
 */
import { ExecutionAlreadyExists, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { ValidationError, type Trigger, type WorkflowInput, type WorkflowStarter } from '../core/index.js';
import { classifySdkError } from './sdk-errors.js';

/** What the adapter is given; it reads no environment of its own. */
export interface SfnWorkflowStarterOptions {
  client: SFNClient;
  /** Workflow id → state machine ARN (or the function that answers it: a name prefix completed by the id). */
  stateMachineArns: ReadonlyMap<string, string> | Readonly<Record<string, string>> | ((workflowId: string) => string | undefined);
  /** Opens the input's sealed fields for the workflow (field encryption): what is stored stays sealed, the execution gets the plaintext. */
  reveal?: (input: WorkflowInput) => Promise<WorkflowInput>;
}

/**
 * `WorkflowStarter` on Step Functions `StartExecution`.
 * @example await new SfnWorkflowStarter({ client, stateMachineArns: { onboarding_workflow: arn } }).start(trigger)
 */
export class SfnWorkflowStarter implements WorkflowStarter {
  private readonly client: SFNClient;
  private readonly reveal: SfnWorkflowStarterOptions['reveal'];
  private readonly arns: Pick<ReadonlyMap<string, string>, 'get' | 'keys'>;

  constructor(options: SfnWorkflowStarterOptions) {
    this.client = options.client;
    this.reveal = options.reveal;
    const arns = options.stateMachineArns;
    this.arns = typeof arns === 'function' ? { get: arns, keys: () => [].values() } : arns instanceof Map ? arns : new Map(Object.entries(arns as Record<string, string>));
  }

  /**
   * Starts the trigger's execution; one that already exists counts as started.
   * @throws ValidationError for a workflow without a state machine; RetryableError when throttled.
   */
  async start(trigger: Trigger): Promise<{ alreadyStarted: boolean }> {
    const stateMachineArn = this.arns.get(trigger.workflowId);
    if (stateMachineArn === undefined) {
      throw new ValidationError(`workflow "${trigger.workflowId}" has no state machine (known: ${[...this.arns.keys()].join(', ') || 'none'})`, [
        { path: 'workflowId', message: 'unknown workflow' },
      ]);
    }
    try {
      const input = this.reveal === undefined ? trigger.input : await this.reveal(trigger.input);
      await this.client.send(new StartExecutionCommand({ stateMachineArn, name: trigger.executionName, input: JSON.stringify(input) }));
      return { alreadyStarted: false };
    } catch (error) {
      if (error instanceof ExecutionAlreadyExists || (error instanceof Error && error.name === 'ExecutionAlreadyExists')) {
        return { alreadyStarted: true };
      }
      throw classifySdkError(error, `starting ${trigger.executionName} of ${trigger.workflowId}`);
    }
  }
}
