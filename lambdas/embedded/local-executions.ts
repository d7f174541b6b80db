/**
 * Running executions in the embedded engine: a recorded execution runs on the local ASL runner,
 * and its start and end go through the application layer's `ExecutionLifecycle` (the record
 * finished, `workflow.*` events stored and so routed), as Step Functions' status changes do on AWS.
 */
import type { ExecutionChange, ExecutionLifecycle, ExecutionStore, FieldEncryption, Logger, StoredExecution } from '../core/index.js';
import type { LocalWorkflowRunner } from './asl-runner.js';

export interface LocalExecutionsDeps {
  runner: LocalWorkflowRunner;
  lifecycle: Pick<ExecutionLifecycle, 'onChange'>;
  /** Where an execution ending while the engine closes is finished without a lifecycle event. */
  executions: Pick<ExecutionStore, 'finish'>;
  /** Told when an execution has ended, so that its waiters go too. */
  onEnded: (executionName: string) => void;
  logger: Logger;
  now: () => number;
  /** Whether the engine is closing: no new lifecycle events then, so nothing new is started. */
  closing: () => boolean;
  /**
   * Encrypted fields: the workflow is handed its input with them open (in memory only), and what it
   * returns has their plaintext sealed again before it is logged or stored.
   */
  fields?: Pick<FieldEncryption, 'revealInput' | 'conceal'>;
}

export class LocalExecutions {
  readonly #work = new Set<Promise<unknown>>();
  readonly #running = new Map<string, Promise<void>>();

  constructor(private readonly deps: LocalExecutionsDeps) {}

  /** Runs a recorded execution (a new one, or one a crashed process left RUNNING). */
  launch(execution: StoredExecution): void {
    const { runner, logger, now } = this.deps;
    const { name, workflowId, ruleId, eventId, correlationId, startedAt } = execution;
    this.#change({ name, status: 'RUNNING', startedAt });
    const { fields } = this.deps;
    const run = (fields === undefined ? Promise.resolve(execution.input) : fields.revealInput(execution.input))
      .then((input) => runner.run(workflowId, input, { executionName: name, startTime: startedAt }))
      .then(async (outcome) => (fields === undefined ? outcome : await fields.conceal(execution.input, outcome)) as typeof outcome)
      .then(async ({ status, ...result }) => {
        await this.#change({ name, status, startedAt, stoppedAt: new Date(now()).toISOString(), ...result });
        this.deps.onEnded(name);
        const fields = { executionName: name, workflowId, ruleId, eventId, correlationId, status, ...(result.error ? { error: result.error } : {}) };
        if (status === 'SUCCEEDED') logger.info('execution finished', fields);
        else logger.warn('execution finished', fields);
      })
      .catch((error: unknown) => logger.error('recording the end of an execution failed', { executionName: name, error: String(error) }));
    this.track(run);
    this.#running.set(name, run);
    void run.finally(() => this.#running.delete(name));
  }

  /** Resolves once the named execution has ended here (at once when it does not run in this process). */
  async finished(name: string): Promise<void> {
    await this.#running.get(name);
  }

  /** Work that `settled()` waits for. */
  track(work: Promise<unknown>): void {
    this.#work.add(work);
    void work.finally(() => this.#work.delete(work));
  }

  /** Executions (and lifecycle changes) in flight. */
  get inFlight(): number {
    return this.#work.size;
  }

  async settled(): Promise<void> {
    await Promise.allSettled([...this.#work]);
  }

  /** Records a change through the lifecycle; while closing, an end is recorded without its event. */
  #change(change: ExecutionChange): Promise<void> {
    const { name } = change;
    const done = (async () => {
      if (this.deps.closing()) {
        const { status, stoppedAt, output, error, states } = change;
        if (status !== 'RUNNING' && status !== 'QUEUED')
          await this.deps.executions.finish(name, { status, stoppedAt: stoppedAt ?? new Date(this.deps.now()).toISOString(), output, error, states });
        return;
      }
      const outcome = await this.deps.lifecycle.onChange(change);
      if (outcome.kind === 'recorded' && outcome.withoutEvent === 'chain-too-deep') {
        this.deps.logger.warn('lifecycle chain too deep; no lifecycle event emitted', { executionName: name, phase: outcome.phase });
      }
    })().catch((error: unknown) => this.deps.logger.error('recording an execution change failed', { executionName: name, status: change.status, error: String(error) }));
    this.track(done);
    return done;
  }
}
