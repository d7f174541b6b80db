/**
 * Running executions in the embedded engine: a recorded execution runs on the local ASL runner,
 * and its start and end go through the application layer's `ExecutionLifecycle` (the record
 * finished, `workflow.*` events stored and so routed), as Step Functions' status changes do on AWS.
 * Top-level states are checkpointed as they are entered, so that a run resumes there after a crash or a redrive.
 */
import type { ExecutionChange, ExecutionLifecycle, ExecutionStore, FieldEncryption, Logger, StateStep, StopCause, StoredExecution } from '../core/index.js';
import type { LocalWorkflowRunner, ResumePoint, RunContext } from './asl-runner.js';
import type { Checkpoint, SqliteCheckpoints } from './sqlite-checkpoints.js';

/** How a launch runs: from the start (a new execution), or from its checkpoint. */
export interface LaunchMode {
  /** Left RUNNING by a previous process: resume at the checkpoint, within what is left of the workflow's timeout. */
  resumed?: boolean;
  /** Redriven: resume at the checkpoint (the state that failed), with the workflow's whole timeout. */
  redriven?: boolean;
}

export interface LocalExecutionsDeps {
  runner: LocalWorkflowRunner;
  checkpoints: Pick<SqliteCheckpoints, 'enter' | 'get' | 'forget'>;
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
  fields?: Pick<FieldEncryption, 'revealInput' | 'conceal' | 'open'>;
}

export class LocalExecutions {
  readonly #work = new Set<Promise<unknown>>();
  readonly #running = new Map<string, { done: Promise<void>; stop: AbortController }>();

  constructor(private readonly deps: LocalExecutionsDeps) {}

  /** Runs a recorded execution: a new one, one a crashed process left RUNNING (`resumed`), or a redriven one. */
  launch(execution: StoredExecution, mode: LaunchMode = {}): void {
    const { runner, logger, now } = this.deps;
    const { name, workflowId, ruleId, eventId, correlationId, startedAt } = execution;
    this.#change({ name, status: 'RUNNING', startedAt });
    const { fields } = this.deps;
    const stop = new AbortController();
    const checkpoints = this.#checkpointer(execution);
    const run = (fields === undefined ? Promise.resolve(execution.input) : fields.revealInput(execution.input))
      .then(async (input) =>
        runner.run(workflowId, input, {
          ...(await this.#resumption(execution, mode)),
          executionName: name,
          startTime: startedAt,
          signal: stop.signal,
          onCheckpoint: checkpoints.enter,
        }),
      )
      .then(async (outcome) => (fields === undefined ? outcome : await fields.conceal(execution.input, outcome)) as typeof outcome)
      .then(async ({ status, ...result }) => {
        await checkpoints.settled();
        // Submitted with the end, so in its commit: a succeeded execution has nothing to resume or redrive.
        if (status === 'SUCCEEDED' && (checkpoints.written() || mode.resumed || mode.redriven))
          void this.deps.checkpoints.forget(name).catch((error: unknown) => logger.warn('forgetting a checkpoint failed', { executionName: name, error: String(error) }));
        await this.#change({ name, status, startedAt, stoppedAt: new Date(now()).toISOString(), ...result });
        this.deps.onEnded(name);
        const fields = { executionName: name, workflowId, ruleId, eventId, correlationId, status, ...(result.error ? { error: result.error } : {}) };
        if (status === 'SUCCEEDED') logger.info('execution finished', fields);
        else logger.warn('execution finished', fields);
      })
      .catch((error: unknown) => logger.error('recording the end of an execution failed', { executionName: name, error: String(error) }));
    this.track(run);
    this.#running.set(name, { done: run, stop });
    void run.finally(() => this.#running.delete(name));
  }

  /** Aborts an execution running here (it ends ABORTED, with `cause` as its error); false when it does not run here. */
  stop(name: string, cause: StopCause): boolean {
    const running = this.#running.get(name);
    if (running === undefined || running.stop.signal.aborted) return false;
    running.stop.abort(cause);
    return true;
  }

  /** Whether the execution runs in this process now. */
  isRunning(name: string): boolean {
    return this.#running.has(name);
  }

  /** Where a launch starts: a resumed or redriven run at its checkpoint (when its state still exists), else the start. */
  async #resumption(execution: StoredExecution, mode: LaunchMode): Promise<Pick<RunContext, 'resume' | 'timeoutSeconds'>> {
    const { runner, fields, now, logger } = this.deps;
    if (!mode.resumed && !mode.redriven) return {};
    const context: Pick<RunContext, 'resume' | 'timeoutSeconds'> = {};
    const timeout = runner.timeoutSeconds(execution.workflowId);
    if (mode.resumed && timeout !== undefined) {
      // The timeout runs from the start, restarts included; at least a millisecond, so that an overdue run ends TIMED_OUT.
      context.timeoutSeconds = Math.max(0.001, timeout - (now() - Date.parse(execution.startedAt)) / 1000);
    }
    const checkpoint: Checkpoint | undefined = this.deps.checkpoints.get(execution.name);
    if (checkpoint?.state === undefined) return context;
    if (!runner.hasState(execution.workflowId, checkpoint.state)) {
      logger.warn('the checkpointed state is not in the workflow any more; running it from the start', { executionName: execution.name, state: checkpoint.state });
      return context;
    }
    const input = fields === undefined ? checkpoint.input : await fields.open(checkpoint.input);
    // A redriven record keeps the states of its earlier runs (the failed one included); a resumed one has them in the checkpoint.
    const steps = mode.redriven && execution.states !== undefined ? execution.states : checkpoint.steps;
    const resume: ResumePoint = { state: checkpoint.state, input, steps };
    return { ...context, resume };
  }

  /** Records the runner's checkpoints, in order (sealed fields concealed first); `settled` waits for the writes. */
  #checkpointer(execution: StoredExecution): { enter: (state: string, input: unknown, steps: StateStep[]) => void; settled: () => Promise<void>; written: () => boolean } {
    const { checkpoints, fields, logger } = this.deps;
    let last: Promise<void> | undefined;
    const failed = (error: unknown) => logger.warn('recording a checkpoint failed', { executionName: execution.name, error: String(error) });
    return {
      enter: (state, input, steps) => {
        // Without encryption the write is submitted at once (the group commit keeps the order); with it, after the one before.
        last =
          fields === undefined
            ? checkpoints.enter(execution.name, state, JSON.stringify(input) ?? 'null', steps).catch(failed)
            : (last ?? Promise.resolve())
                .then(async () => checkpoints.enter(execution.name, state, JSON.stringify(await fields.conceal(execution.input, input)) ?? 'null', steps))
                .catch(failed);
      },
      settled: async () => {
        await last;
      },
      written: () => last !== undefined,
    };
  }

  /** Resolves once the named execution has ended here (at once when it does not run in this process). */
  async finished(name: string): Promise<void> {
    await this.#running.get(name)?.done;
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
