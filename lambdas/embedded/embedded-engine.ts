/**
 * The engine in one process: the application layer (`lambdas/core/app`) on the embedded adapters —
 * SQLite stores sharing one group commit, a change feed standing in for DynamoDB Streams, the local
 * ASL runner standing in for Step Functions, an in-process bus for replays. The HTTP server, the CLI
 * and `createEngine` (the library entry) all drive this class. See docs/architecture.md.
 */
import {
  createTaskServices,
  type FieldEncryption,
  type RuleCatalog,
  ingestBatch,
  ingestEvent,
  ingestRequest,
  MAX_BATCH_ENTRIES,
  parseReplayRequest,
  type BatchAnswer,
  type EngineEvent,
  type IngestDeps,
  type IngestRequestAnswer,
  type IngestResult,
  type Logger,
  type ReplayJob,
  type ReplayRequest,
  type RuleSet,
  type StoredExecution,
  type Trigger,
  type WorkflowControl,
} from '../core/index.js';
import type { Project } from '../project/load-project.js';
import { installTaskServices } from '../tasks/runtime.js';
import { LocalWorkflowRunner } from './asl-runner.js';
import { EmbeddedStores } from './embedded-stores.js';
import { type EmbeddedEngineOptions, engineSettings } from './engine-options.js';
import { type EngineHost, type EngineRouting, wireRouting } from './engine-routing.js';
import { type EngineOperations, openEngineRules, wireOperations } from './engine-operations.js';
import { PrometheusEngineMetrics } from './prometheus-metrics.js';
import { TaskTokens } from './task-tokens.js';

export class EmbeddedEngine {
  readonly #stores: EmbeddedStores;
  readonly replays: EngineOperations['replays'];
  /** Stop and redrive one execution (`POST /executions/{name}/stop|redrive`). */
  readonly actions: EngineOperations['actions'];
  /** Bulk actions (`/executions/actions`). */
  readonly bulkActions: EngineOperations['bulkActions'];
  /** The read side of the HTTP API (events, timelines, executions), as on AWS. */
  readonly queries: EngineOperations['queries'];
  /** What `GET /metrics` serves. */
  readonly metrics = new PrometheusEngineMetrics();
  /** Both layers of rules (files and managed); a change through it applies to the next event routed. */
  readonly rules: RuleCatalog;
  /** The schedule rules: `POST /rules/{id}/trigger` and the next fire times (see core/app/schedules.ts). */
  readonly schedules: EngineOperations['schedules'];
  /** Fires the schedules when due; `tickNow()` for a test's fake clock. */
  readonly scheduleTimer: EngineOperations['scheduleTimer'];
  readonly #feed: EngineRouting['feed'];
  readonly #ingest: IngestDeps;
  readonly #waits: EngineRouting['waits'];
  readonly #starter: EngineRouting['starter'];
  readonly #runs: EngineRouting['runs'];
  /** Stops and redrives executions where they run here (the `WorkflowControl` port). */
  readonly workflowControl: EngineRouting['workflowControl'];
  readonly #sweeps: EngineRouting['sweeps'];
  /** The last store failure not yet followed by a successful write: health is degraded meanwhile. */
  #storeFault: string | undefined;
  readonly #signals: EngineRouting['signals'];
  readonly #flow: EngineRouting['flow'];
  readonly #wakeUps: EngineRouting['wakeUps'];
  /** After a crash: resumes unfinished executions, then sweeps what was never routed (engine-routing.ts). */
  readonly #recover: EngineRouting['recover'];
  #closed = false;

  private constructor(
    readonly project: Project,
    stores: EmbeddedStores,
    runner: LocalWorkflowRunner,
    tokens: TaskTokens,
    logger: Logger,
    private readonly now: () => number,
    readonly retentionDays: number,
    fields: FieldEncryption | undefined,
    rules: RuleCatalog,
    control: WorkflowControl | undefined,
  ) {
    this.#stores = stores;
    this.rules = rules;
    const metrics = this.metrics;
    const host: EngineHost = {
      noteStoreFailure: (error) => this.noteStoreFailure(error),
      storeRecovered: () => {
        this.#storeFault = undefined;
      },
      closing: () => this.#closed,
      stopExecution: (name, cause) => this.actions.stopExecution(name, cause),
    };
    const routing = wireRouting({ project, stores, runner, tokens, ruleSet: rules.ruleSet, fields, metrics, logger, now }, host);
    ({ feed: this.#feed, signals: this.#signals, ingest: this.#ingest, flow: this.#flow, wakeUps: this.#wakeUps, runs: this.#runs } = routing);
    ({ starter: this.#starter, waits: this.#waits, sweeps: this.#sweeps, workflowControl: this.workflowControl, recover: this.#recover } = routing);
    const { lifecycle, flowStore, start } = routing;
    const operations = wireOperations({
      project,
      stores,
      rules,
      ingest: this.#ingest,
      lifecycle,
      control: control ?? this.workflowControl,
      flowStore,
      fields,
      metrics,
      logger,
      now,
      retentionDays,
      start,
    });
    ({
      queries: this.queries,
      schedules: this.schedules,
      scheduleTimer: this.scheduleTimer,
      replays: this.replays,
      actions: this.actions,
      bulkActions: this.bulkActions,
    } = operations);
  }

  /**
   * Opens the database, loads the workflows, resumes executions a previous process left running,
   * and sweeps events that were stored but never routed.
   */
  static async open(options: EmbeddedEngineOptions): Promise<EmbeddedEngine> {
    const tokens = new TaskTokens();
    const runner = await LocalWorkflowRunner.load(options.project.workflows.values(), options.project.paths, tokens);
    const { now, logger, retentionDays, sync, encrypt, keyFile } = engineSettings(options);
    const stores = EmbeddedStores.open(options.dbPath, { sync, retentionDays, now, logger });
    // Rule changes are audited as events through the engine's own ingest, which exists once the engine does.
    let audit: (event: unknown) => Promise<unknown> = async () => undefined;
    const { fields, rules } = await openEngineRules({ project: options.project, stores, encrypt, keyFile, audit: (event) => audit(event), now, logger });
    const engine = new EmbeddedEngine(options.project, stores, runner, tokens, logger, now, retentionDays, fields, rules, options.workflowControl);
    audit = (event) => engine.ingest(event);
    installTaskServices(
      createTaskServices({
        ingest: engine.#ingest,
        waits: engine.#waits,
        ...(fields === undefined ? {} : { concealing: { fields, executions: stores.executions } }),
        onWaiterCompleted: ({ token, eventId, delivered }, { correlationId }) => {
          if (delivered) logger.info('waiter completed', { token, eventId, correlationId });
        },
      }),
    );
    engine.#recover();
    // Wake-ups a previous process left due fire now; their waiting triggers start once (the names are deterministic).
    engine.#wakeUps.start((wakeUp) => engine.#flow.wake(wakeUp));
    engine.replays.resume();
    engine.bulkActions.resume();
    engine.#sweeps.start();
    engine.scheduleTimer.start();
    return engine;
  }

  /** The rules in force: both layers, compiled; the same object for the engine's life, its content swapped on each change. */
  get ruleSet(): RuleSet {
    return this.rules.ruleSet;
  }

  get events(): EmbeddedStores['events'] {
    return this.#stores.events;
  }

  get executions(): EmbeddedStores['executions'] {
    return this.#stores.executions;
  }

  /** Calls `listener` after each newly stored event is committed, lifecycle events included (the live stream), until the answer is called. */
  onStored(listener: (event: EngineEvent) => void): () => void {
    return this.#signals.onStored(listener);
  }

  /** `POST /events`: one event or a batch (see `ingestRequest`), every put of a batch in one commit. */
  ingestRequest(body: unknown, admit?: IngestDeps['admit']): Promise<IngestRequestAnswer> {
    return ingestRequest(body, admit ? { ...this.#ingest, admit } : this.#ingest, { concurrency: MAX_BATCH_ENTRIES });
  }

  /** Validates and stores one event (durably); the change feed routes it. */
  ingest(input: unknown): Promise<IngestResult> {
    return ingestEvent(input, this.#ingest);
  }

  /**
   * Stores a batch's valid entries and reports each entry: its id, or why it was refused. Every put
   * is issued in the same turn, so the batch commits as one transaction (one disk sync).
   */
  ingestBatch(inputs: readonly unknown[], toInput: (entry: unknown) => unknown = (entry) => entry, admit?: IngestDeps['admit']): Promise<BatchAnswer> {
    return ingestBatch(inputs, admit ? { ...this.#ingest, admit } : this.#ingest, { concurrency: inputs.length, toInput });
  }

  /**
   * Starts one trigger's execution unless it already exists, and waits for it to end.
   * The same (event, rule) pair always yields the same execution.
   */
  async execute(trigger: Trigger): Promise<StoredExecution> {
    await this.#starter.start(trigger);
    await this.#runs.finished(trigger.executionName);
    return (await this.executions.get(trigger.executionName)) as StoredExecution;
  }

  /** Starts a replay job (see LocalReplayJobs); resolves once it is recorded. */
  async replay(request: ReplayRequest): Promise<ReplayJob> {
    return this.replays.start(request);
  }

  /** Validates a `POST /replays` body against this engine's workflows, rules and retention. */
  parseReplay(body: unknown): ReplayRequest {
    return parseReplayRequest(body, {
      now: this.now(),
      retentionDays: this.retentionDays,
      workflows: new Set(this.project.workflows.keys()),
      ruleSet: this.rules.ruleSet,
      rulesAsOfEvent: true,
    });
  }

  /** Executions a replay started, with their outcomes, once the job has ended and they have too. */
  async replayExecutions(replayId: string): Promise<StoredExecution[]> {
    await this.replays.finished(replayId);
    await this.idle();
    return this.executions.byReplay(replayId);
  }

  /** Stored events handed to routing but not yet routed (cheap: the change feed's queue). */
  get unroutedBacklog(): number {
    return this.#feed.backlog;
  }

  /** Records a store failure (a full disk, a read-only file, a lock held elsewhere): health is degraded until a write succeeds. */
  noteStoreFailure(error: unknown): void {
    this.#storeFault = String(error instanceof Error ? error.message : error);
  }

  /** `degraded` names the last store failure while no write has succeeded since. */
  health(): { degraded?: string } {
    return this.#storeFault === undefined ? {} : { degraded: `the store failed: ${this.#storeFault}` };
  }

  /** Sweeps once now for events left unrouted (as every `SWEEP_INTERVAL_MS`); one sweep at a time. */
  sweepNow(): Promise<void> {
    return this.#closed ? Promise.resolve() : this.#sweeps.now();
  }

  /** Executions (and their lifecycle changes) in flight in this process. */
  get runningCount(): number {
    return this.#runs.inFlight;
  }

  executionsForEvent(eventId: string): StoredExecution[] {
    return this.executions.byEvent(eventId);
  }

  /** Resolves when every stored event is routed and every execution has finished. */
  async idle(): Promise<void> {
    for (;;) {
      await this.#feed.drained();
      if (this.#runs.inFlight === 0 && this.#feed.backlog === 0) return;
      await this.#runs.settled();
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.scheduleTimer.stop();
    await this.#sweeps.stop();
    await this.#wakeUps.stop();
    await this.idle();
    this.#stores.close();
  }
}
