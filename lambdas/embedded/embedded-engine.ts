/**
 * The engine in one process: the application layer (`lambdas/core/app`) on the embedded adapters —
 * SQLite stores sharing one group commit, a change feed standing in for DynamoDB Streams, the local
 * ASL runner standing in for Step Functions, an in-process bus for replays. The HTTP server, the CLI
 * and `createEngine` (the library entry) all drive this class. See docs/architecture.md.
 */
import { randomBytes } from 'node:crypto';
import {
  createTaskServices,
  EngineQueries,
  CorrelationActivity,
  CorrelationWaits,
  EventRouter,
  ExecutionActions,
  queuedStops,
  ExecutionLifecycle,
  FlowControl,
  FieldEncryption,
  RuleCatalog,
  RulesAsOf,
  readRuleDocument,
  settledRulesAsOf,
  ingestBatch,
  ingestEvent,
  ingestRequest,
  MAX_BATCH_ENTRIES,
  liveEnvelope,
  parseReplayRequest,
  REPLAY_SOURCE,
  scheduleView,
  ScheduleRunner,
  ulidIds,
  type BatchAnswer,
  type EncryptRule,
  type EngineEvent,
  type IngestDeps,
  type IngestRequestAnswer,
  type IngestResult,
  type Logger,
  type ReplayBusEntry,
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
import { LocalBulkActions } from './bulk-action-jobs.js';
import { ChangeFeed, StoredEventSignals } from './change-feed.js';
import { EmbeddedStores } from './embedded-stores.js';
import { EngineSweeps } from './engine-sweeps.js';
import { EmbeddedWorkflowStarter } from './embedded-workflow-starter.js';
import { LocalBus } from './local-bus.js';
import { LocalDataKeys } from './local-data-keys.js';
import { LocalExecutions } from './local-executions.js';
import { LocalWorkflowControl } from './local-workflow-control.js';
import { createLogger } from './logger.js';
import { PrometheusEngineMetrics } from './prometheus-metrics.js';
import { LocalReplayJobs } from './replay-jobs.js';
import { ScheduleTimer } from './schedule-timer.js';
import { SqliteScheduleState } from './sqlite-schedule-state.js';
import type { SyncMode } from './sqlite-database.js';
import { LocalTaskTokens, TaskTokens } from './task-tokens.js';
import { SqliteFlowStateStore } from './sqlite-flow-state-store.js';
import { SqliteWakeUps } from './sqlite-wake-ups.js';

export interface EmbeddedEngineOptions {
  project: Project;
  /** A file path, or `:memory:`. */
  dbPath: string;
  retentionDays?: number;
  /** Whether a commit waits for the OS (`normal`, default) or the disk (`full`). */
  sync?: SyncMode;
  logger?: Logger;
  now?: () => number;
  /** Fields to encrypt (`event_sourcing.encrypt`); default the project configuration's. */
  encrypt?: EncryptRule[];
  /** The data key file; default `<dbPath>.key` (created 0600), a per-process key for `:memory:`. */
  dataKeyFile?: string;
  /** Where stop and redrive act (default: the runner's; tests pass their own). */
  workflowControl?: WorkflowControl;
}

export class EmbeddedEngine {
  readonly #stores: EmbeddedStores;
  readonly replays: LocalReplayJobs;
  /** Stop and redrive one execution (`POST /executions/{name}/stop|redrive`). */
  readonly actions: ExecutionActions;
  /** Bulk actions (`/executions/actions`). */
  readonly bulkActions: LocalBulkActions;
  /** The read side of the HTTP API (events, timelines, executions), as on AWS. */
  readonly queries: EngineQueries;
  /** What `GET /metrics` serves. */
  readonly metrics = new PrometheusEngineMetrics();
  /** Both layers of rules (files and managed); a change through it applies to the next event routed. */
  readonly rules: RuleCatalog;
  /** The schedule rules: `POST /rules/{id}/trigger` and the next fire times (see core/app/schedules.ts). */
  readonly schedules: ScheduleRunner;
  /** Fires the schedules when due; `tickNow()` for a test's fake clock. */
  readonly scheduleTimer: ScheduleTimer;
  readonly #feed: ChangeFeed<EngineEvent>;
  readonly #ingest: IngestDeps;
  readonly #router: EventRouter;
  readonly #waits: CorrelationWaits;
  readonly #starter: EmbeddedWorkflowStarter;
  readonly #runs: LocalExecutions;
  /** Stops and redrives executions where they run here (the `WorkflowControl` port). */
  readonly workflowControl: LocalWorkflowControl;
  readonly #sweeps: EngineSweeps;
  /** The last store failure not yet followed by a successful write: health is degraded meanwhile. */
  #storeFault: string | undefined;
  readonly #signals: StoredEventSignals;
  readonly #flow: FlowControl;
  readonly #wakeUps: SqliteWakeUps;
  #closed = false;

  private constructor(
    readonly project: Project,
    stores: EmbeddedStores,
    runner: LocalWorkflowRunner,
    tokens: TaskTokens,
    private readonly logger: Logger,
    private readonly now: () => number,
    readonly retentionDays: number,
    fields: FieldEncryption | undefined,
    rules: RuleCatalog,
    control: WorkflowControl | undefined,
  ) {
    const clock = { now };
    this.#stores = stores;
    this.rules = rules;
    // The live set: every reader below sees a change to the managed layer from the next event on.
    const ruleSet = rules.ruleSet;
    const metrics = this.metrics;
    const correlations = new CorrelationActivity({ metrics, clock });
    metrics.beforeScrape = () => correlations.expire();
    const { events, executions, waiters, joins, marks, deadLetters, checkpoints, db, writes } = stores;
    this.#feed = new ChangeFeed(
      (batch) => this.#route(batch),
      (batch, error) => {
        this.noteStoreFailure(error);
        logger.error('routing failed; the events stay unrouted until a sweep', { eventIds: batch.map((e) => e.id), error: String(error) });
      },
    );
    // What the store takes goes on the change feed, as DynamoDB Streams carries an inserted item to the router.
    this.#signals = new StoredEventSignals(events, (event) => this.#feed.publish(event), now);
    const stream = this.#signals.store;
    this.#ingest = {
      store: stream,
      envelope: liveEnvelope(clock, randomBytes),
      metrics,
      ...(fields === undefined ? {} : { fields }),
      onStored: (event, { duplicate }) => {
        this.#storeFault = undefined;
        logger.info('event received', { eventId: event.id, type: event.type, source: event.source, correlationId: event.correlationId, duplicate });
      },
    };
    const flowStore = new SqliteFlowStateStore(db, writes);
    this.#wakeUps = new SqliteWakeUps(db, writes, { now, logger });
    // Flow control starts through the starter and stops through the lifecycle: both are built below, and used only later.
    const flow = new FlowControl({
      ruleSet,
      store: flowStore,
      wakeUps: this.#wakeUps,
      starter: { start: (trigger) => this.#starter.start(trigger) },
      executions,
      // cancelOn stops a running execution as `POST /executions/{name}/stop` does (ABORTED, workflow.aborted).
      stopExecution: (name, cause) => this.actions.stopExecution(name, cause),
      metrics,
      logger,
      clock,
    });
    this.#flow = flow;
    const lifecycle = new ExecutionLifecycle({ executions, events: stream, clock, metrics, flow, ...(fields === undefined ? {} : { fields }) });
    this.#runs = new LocalExecutions({
      runner,
      checkpoints,
      lifecycle,
      executions,
      onEnded: (name) => waiters.removeForExecution(name),
      logger,
      now,
      closing: () => this.#closed,
      ...(fields === undefined ? {} : { fields }),
    });
    this.workflowControl = new LocalWorkflowControl({ runs: this.#runs, checkpoints, executions });
    this.#starter = new EmbeddedWorkflowStarter({ executions, launch: (execution) => this.#runs.launch(execution), clock });
    this.#waits = new CorrelationWaits({ waiters, tokens: new LocalTaskTokens(tokens), events, clock });
    const objective = project.config?.realTimeExecution.maxLatencyMs;
    const measured = { metrics, correlations, ...(objective === undefined ? {} : { startLatencyObjectiveMs: objective }) };
    this.#router = new EventRouter({ ruleSet, starter: this.#starter, joins, waits: this.#waits, marks, logger, clock, flow, ...measured });
    this.#sweeps = new EngineSweeps(
      {
        marks,
        route: (event, receivedAt) => this.#router.route(event, { via: 'sweeper', ...(receivedAt === undefined ? {} : { receivedAt }) }),
        deadLetters,
        clock,
        onFailed: (eventId, attempts, error) => logger.error('sweep of an event failed', { eventId, attempts, error: String(error) }),
      },
      logger,
    );
    // Per-workflow "bus rules" for replayed events, as on AWS: each starts its workflow under the replay's name.
    const bus = new LocalBus();
    for (const workflowId of project.workflows.keys()) {
      bus.subscribe({ source: [REPLAY_SOURCE], detail: { workflowId: [workflowId] } }, (entry) => {
        const { ruleId, ruleVersion, executionName, input } = (entry as ReplayBusEntry).detail;
        this.#start({ workflowId, ruleId, executionName, input, ...(ruleVersion === undefined ? {} : { ruleVersion }) });
      });
    }
    this.queries = new EngineQueries({ events, executions, ruleSet, flowSkips: flowStore, ...(fields === undefined ? {} : { fields }) });
    const ids = ulidIds(randomBytes);
    const scheduleState = new SqliteScheduleState(db, writes);
    // The live set: a schedule rule created, changed or disabled through the rules API fires (or stops) without a restart.
    this.schedules = new ScheduleRunner({ rules: () => rules.ruleSet.rules, ingest: this.#ingest, state: scheduleState, clock, ids, logger });
    this.scheduleTimer = new ScheduleTimer(this.schedules, now, logger);
    // `rules: "as-of-event"`: the managed rules' recorded changes give the set in force at each event's time.
    const rulesAsOf = settledRulesAsOf((until: string) => RulesAsOf.load(stores.rules, project.rules, project.workflows, until, readRuleDocument), clock);
    this.replays = new LocalReplayJobs({ db, events, writes, bus, ruleSet, rulesAsOf, logger, now, newId: () => ids.newId(now()), retentionDays });
    // Stop and redrive act through the runner's control (or one a test passes in).
    // A QUEUED execution is stopped where flow control holds it: its record ends ABORTED, its trigger leaves the queue.
    const queued = queuedStops({ executions, skips: flowStore, metrics, clock });
    this.actions = new ExecutionActions({ executions, control: control ?? this.workflowControl, lifecycle, clock, queued });
    this.bulkActions = new LocalBulkActions({ db, writes, executions, actions: this.actions, logger, now, newId: () => ids.newId(now()), retentionDays });
  }

  /**
   * Opens the database, loads the workflows, resumes executions a previous process left running,
   * and sweeps events that were stored but never routed.
   */
  static async open(options: EmbeddedEngineOptions): Promise<EmbeddedEngine> {
    const tokens = new TaskTokens();
    const runner = await LocalWorkflowRunner.load(options.project.workflows.values(), options.project.paths, tokens);
    const now = options.now ?? Date.now;
    const logger = options.logger ?? createLogger();
    const retentionDays = options.retentionDays ?? 30;
    const encrypt = options.encrypt ?? options.project.config?.eventSourcing.encrypt ?? [];
    const keyFile = options.dataKeyFile ?? (options.dbPath === ':memory:' ? undefined : `${options.dbPath}.key`);
    const stores = EmbeddedStores.open(options.dbPath, { sync: options.sync ?? 'normal', retentionDays, now, logger });
    let fields: FieldEncryption | undefined;
    let rules: RuleCatalog;
    // Rule changes are audited as events through the engine's own ingest, which exists once the engine does.
    let audit: (event: unknown) => Promise<unknown> = async () => undefined;
    try {
      // After the store: opening it creates the database's directory, where the key file goes.
      fields = encrypt.length === 0 ? undefined : new FieldEncryption(encrypt, LocalDataKeys.open(keyFile));
      const { project } = options;
      // `GET /rules/{id}` (and the listing) show a schedule rule's next three fires.
      const describe = scheduleView({ now });
      rules = await RuleCatalog.open({
        store: stores.rules,
        files: project.rules,
        workflows: project.workflows,
        // A managed rule may only ask whether an encrypted field exists, as the rule files may.
        encrypt,
        audit: (event) => audit(event),
        clock: { now },
        logger,
        describe,
      });
    } catch (error) {
      stores.close();
      throw error;
    }
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

  /** The change feed's consumer: each event of the batch routed by the one router; a failure stays unrouted for the sweeper. */
  async #route(batch: readonly EngineEvent[]): Promise<void> {
    if (this.#closed) return;
    // Together, so that each routing step of the whole batch shares one commit.
    const context = (event: EngineEvent) => {
      const receivedAt = this.#signals.receivedAt(event);
      return receivedAt === undefined ? { via: 'stream' } : { via: 'stream', receivedAt };
    };
    const outcomes = await Promise.allSettled(batch.map((event) => this.#router.route(event, context(event))));
    outcomes.forEach((outcome, i) => {
      if (outcome.status === 'rejected') {
        this.noteStoreFailure(outcome.reason);
        this.logger.error('routing failed; the event stays unrouted until a sweep', { eventId: batch[i]?.id, error: String(outcome.reason) });
      }
    });
  }

  /**
   * `cancelOn`'s stop, until the execution-actions service is wired here: the record ends ABORTED through the lifecycle
   * (its end event is stored), and the runner's own later end of the run is then a repeat that changes nothing.
   */
  /** Starts a trigger outside routing (a replayed event from the bus), once. */
  #start(trigger: Trigger): void {
    this.#runs.track(
      this.#starter
        .start(trigger)
        .catch((error: unknown) => this.logger.error('starting an execution failed', { executionName: trigger.executionName, error: String(error) })),
    );
  }

  /** After a crash: resume executions that never finished at their checkpoints, then sweep what was never routed. */
  #recover(): void {
    this.#stores.waiters.clear();
    for (const execution of this.executions.running()) {
      const state = this.#stores.checkpoints.get(execution.name)?.state;
      this.logger.warn('resuming an execution a previous run left unfinished', {
        executionName: execution.name,
        eventId: execution.eventId,
        ...(state === undefined ? {} : { state }),
      });
      this.#runs.launch(execution, { resumed: true });
    }
    this.#runs.track(this.#sweeps.startup().catch((error: unknown) => this.logger.error('the start-up sweep failed', { error: String(error) })));
  }
}
