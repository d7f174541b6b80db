/**
 * Running executions in the embedded engine: each is recorded before it runs (the name is the
 * primary key, so it starts once), run by the local ASL runner, finished in the store, and
 * announced by lifecycle events that are ingested like any other event.
 */
import { lifecycleEvent, type LifecyclePhase, type Trigger } from '../core/index.js';
import type { LocalWorkflowRunner } from './asl-runner.js';
import type { Logger } from './logger.js';
import { toApiExecution, type SqliteExecutionStore, type StoredExecution } from './sqlite-execution-store.js';

export interface LocalExecutionsDeps {
  store: SqliteExecutionStore;
  runner: LocalWorkflowRunner;
  /** Told when an execution has ended, so that its waiters go too. */
  waits: { onExecutionEnded(executionName: string): void };
  logger: Logger;
  now: () => number;
  /** Ingests a lifecycle event (store, then route). */
  emit: (event: Record<string, unknown>) => Promise<unknown>;
  /** Whether the engine is closing (no new lifecycle events then). */
  closing: () => boolean;
}

export class LocalExecutions {
  readonly #work = new Set<Promise<void>>();
  readonly #inFlight = new Map<string, Promise<void>>();

  constructor(private readonly deps: LocalExecutionsDeps) {}

  /** Records and launches the trigger's execution unless one of that name exists; true when it started. */
  startIfNew(trigger: Trigger, startedAt = new Date(this.deps.now()).toISOString()): boolean {
    if (!this.deps.store.begin(trigger, startedAt)) return false;
    this.launch(this.deps.store.getSync(trigger.executionName) as StoredExecution);
    return true;
  }

  /** Starts the trigger's execution unless it exists, and resolves with it once it has ended. */
  async execute(trigger: Trigger): Promise<StoredExecution> {
    this.startIfNew(trigger);
    await this.#inFlight.get(trigger.executionName);
    return this.deps.store.getSync(trigger.executionName) as StoredExecution;
  }

  /** Runs a recorded execution (a new one, or one a crashed process left RUNNING). */
  launch(execution: StoredExecution): void {
    const { store, runner, waits, logger, now } = this.deps;
    const { name, workflowId, ruleId, eventId, correlationId } = execution;
    logger.info('execution started', { executionName: name, workflowId, ruleId, eventId, correlationId });
    this.#emitLifecycle(execution, 'started');
    const run = runner
      .run(workflowId, execution.input, { executionName: name, startTime: execution.startedAt })
      .then((outcome) => {
        if (this.deps.closing() && !store.isOpen()) return;
        const { status, ...result } = outcome;
        store.finishSync(name, { status, stoppedAt: new Date(now()).toISOString(), ...result });
        waits.onExecutionEnded(name);
        this.#emitLifecycle(store.getSync(name) as StoredExecution, status === 'SUCCEEDED' ? 'succeeded' : 'failed');
        const fields = { executionName: name, workflowId, ruleId, eventId, correlationId, status, ...(result.error ? { error: result.error } : {}) };
        if (status === 'SUCCEEDED') logger.info('execution finished', fields);
        else logger.warn('execution finished', fields);
      })
      .catch((error: unknown) => logger.error('recording the end of an execution failed', { executionName: name, error: String(error) }));
    this.track(run);
    this.#inFlight.set(name, run);
    void run.finally(() => this.#inFlight.delete(name));
  }

  /** Work that `settled()` waits for. */
  track(work: Promise<void>): void {
    this.#work.add(work);
    void work.finally(() => this.#work.delete(work));
  }

  /** Executions (and lifecycle emissions) in flight. */
  get inFlight(): number {
    return this.#work.size;
  }

  async settled(): Promise<void> {
    await Promise.allSettled([...this.#work]);
  }

  #emitLifecycle(execution: StoredExecution, phase: LifecyclePhase): void {
    // A replay re-runs history: its executions must not set live rules off again.
    if (this.deps.closing() || execution.input.replay !== undefined) return;
    const event = lifecycleEvent(toApiExecution(execution), execution.input, phase, new Date(this.deps.now()).toISOString());
    if (!event) {
      this.deps.logger.warn('lifecycle chain too deep; no lifecycle event emitted', { executionName: execution.name, phase });
      return;
    }
    this.track(
      this.deps.emit(event).then(
        () => undefined,
        (error: unknown) => this.deps.logger.error('emitting a lifecycle event failed', { executionName: execution.name, phase, error: String(error) }),
      ),
    );
  }
}
