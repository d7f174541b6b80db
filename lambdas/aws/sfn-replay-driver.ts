/**
 * Starts the replay driver (the state machine that runs a job page by page) for a recorded job.
 * The execution is named after the replay id: starting the same job twice finds it already running.
 */
import { ExecutionAlreadyExists, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { classifySdkError } from './sdk-errors.js';

export interface SfnReplayDriverOptions {
  client: SFNClient;
  stateMachineArn: string;
}

/** @example await new SfnReplayDriver({ client, stateMachineArn }).start(replayId) */
export class SfnReplayDriver {
  private readonly client: SFNClient;
  private readonly stateMachineArn: string;

  constructor(options: SfnReplayDriverOptions) {
    this.client = options.client;
    this.stateMachineArn = options.stateMachineArn;
  }

  /** @throws RetryableError when Step Functions throttles or fails; its error otherwise. */
  async start(replayId: string): Promise<void> {
    try {
      await this.client.send(
        new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, name: replayId, input: JSON.stringify({ replayId, generation: 0, page: 0 }) }),
      );
    } catch (error) {
      if (error instanceof ExecutionAlreadyExists || (error instanceof Error && error.name === 'ExecutionAlreadyExists')) return;
      throw classifySdkError(error, `starting the replay driver for ${replayId}`);
    }
  }
}
