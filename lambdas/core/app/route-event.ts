/**
 * Routing one stored event, for the router Lambda, the sweeper and the embedded engine alike: match
 * the rules, start each planned execution once (`planTriggers`), feed multi-event joins and start
 * the ones this event completes, complete the workflows waiting for it, and — once every step has
 * succeeded — mark it routed, so the sweeper leaves it alone. Logged (`execution started`,
 * `waiter completed`, `event routed`, each with `eventId` and `correlationId`) and counted as it goes.
 */
import type { Clock } from '../clock.js';
import type { EngineEvent } from '../envelope.js';
import { planTriggers, type Trigger } from '../execution.js';
import type { RoutingMarks } from '../ports/events.js';
import { NO_LOGS, NO_METRICS, type EngineMetrics, type Logger } from '../ports/observability.js';
import type { JoinStore } from '../ports/waiters.js';
import type { WorkflowStarter } from '../ports/workflows.js';
import type { Rule, RuleSet } from '../rules/types.js';
import type { CorrelationRecorder } from '../ports/correlation-counters.js';
import { correlationTouches } from './correlation-activity.js';
import type { CorrelationWaits, WaiterOutcome } from './correlation-waits.js';
import type { FlowControl, FlowDecision } from './flow-control.js';

export interface EventRouterDeps {
  ruleSet: RuleSet;
  /** Starts exactly once (on AWS the RecordedWorkflowStarter). */
  starter: WorkflowStarter;
  /** Multi-event triggers. Without it, join rules start nothing. */
  joins?: JoinStore;
  /** Waiting workflows. Without it, no waiter is completed. */
  waits?: Pick<CorrelationWaits, 'onRouted'>;
  /** The routed mark on the stored event. Without it, nothing is marked. */
  marks?: Pick<RoutingMarks, 'markRouted'>;
  logger?: Pick<Logger, 'info'>;
  metrics?: EngineMetrics;
  /** The latency objective (`real_time_execution.max_latency`): a start later than this after receipt is counted as missed. */
  startLatencyObjectiveMs?: number;
  /** Correlation metrics: told once per routed event which correlations it touched (embedded: memory; AWS: the State table). */
  correlations?: CorrelationRecorder;
  /** "Now" for the routing lag. */
  clock: Clock;
  /** Flow control: the triggers of rules it governs are handed to it, and `cancelOn` events to its `cancel`. */
  flow?: Pick<FlowControl, 'governs' | 'offer' | 'cancel' | 'cancels'>;
}

/** Where the event comes from, as the caller knows it. */
export interface RouteContext {
  /** When the event was stored (ISO): the routing lag is measured from it. */
  receivedAt?: string;
  /** Who is routing it (`stream`, `sweeper`, …), logged with each line. */
  via?: string;
}

/** Told about each step as it happens, so a failure halfway still leaves a trail of what was done. */
export interface RouteObserver {
  started?(trigger: Trigger, alreadyStarted: boolean): void;
  waiterCompleted?(outcome: WaiterOutcome): void;
}

export interface RouteOutcome {
  rules: Rule[];
  starts: Array<{ trigger: Trigger; alreadyStarted: boolean }>;
  waiters: WaiterOutcome[];
  /** What flow control did with the triggers of the rules it governs (those it started are in `starts` too). */
  held?: Array<{ trigger: Trigger; decision: FlowDecision }>;
  /** Milliseconds from receipt to routed, when the receipt time was given. */
  lagMs?: number;
}

/**
 * @example const { starts } = await new EventRouter({ ruleSet, starter, joins, waits, marks }).route(event, { receivedAt, via: 'stream' })
 */
export class EventRouter {
  private readonly logger: Pick<Logger, 'info'>;
  private readonly metrics: EngineMetrics;
  private readonly clock: Clock;

  constructor(private readonly deps: EventRouterDeps) {
    this.logger = deps.logger ?? NO_LOGS;
    this.metrics = deps.metrics ?? NO_METRICS;
    this.clock = deps.clock;
  }

  /**
   * Routes one event. Every step is idempotent, so a retry after a failure halfway repeats the
   * done steps harmlessly and finishes the rest.
   * @throws whatever a step throws (RetryableError when a dependency is throttled or down).
   */
  async route(event: EngineEvent, context: RouteContext = {}, observer: RouteObserver = {}): Promise<RouteOutcome> {
    const { id: eventId, correlationId } = event;
    const { via } = context;
    const rules = this.deps.ruleSet.route(event);
    const receivedMs = context.receivedAt === undefined ? Number.NaN : Date.parse(context.receivedAt);
    const starts: RouteOutcome['starts'] = [];
    const held: NonNullable<RouteOutcome['held']> = [];
    const { flow } = this.deps;
    // Before this event's own starts: a cancelling event stops what came before it, never what it starts itself.
    if (flow?.cancels(event.type)) await flow.cancel(event);
    const start = async (trigger: Trigger, rule: Rule) => {
      if (flow === undefined || !flow.governs(rule)) return this.startOne(event, trigger, { via, receivedMs }, starts, observer);
      const decision = await flow.offer(rule, trigger);
      held.push({ trigger, decision });
      if (decision.kind === 'started') this.noteStart(event, trigger, decision.alreadyStarted, { via, receivedMs }, starts, observer);
      else this.logger.info(`trigger ${decision.kind === 'queued' ? 'held' : 'skipped'} by flow control`, { eventId, ruleId: rule.id, ...decision, via });
    };
    const byId = new Map(rules.map((rule) => [rule.id, rule]));
    // In firing order, one at a time: a failure leaves the later starts to the retry, which names them identically.
    for (const trigger of planTriggers(event, rules)) await start(trigger, byId.get(trigger.ruleId) as Rule);
    for (const rule of rules) {
      if (rule.join === undefined || this.deps.joins === undefined) continue;
      const joined = await this.deps.joins.offer(rule, event);
      if (joined) await start(joined, rule);
    }
    const waiters = (await this.deps.waits?.onRouted(event)) ?? [];
    for (const outcome of waiters) {
      const { delivered } = outcome;
      this.logger.info(delivered ? 'waiter completed' : 'waiter dropped: its task is gone', { eventId, correlationId, delivered });
      if (delivered) this.metrics.count('WaitersCompleted');
      observer.waiterCompleted?.(outcome);
    }
    // Last: a failure before this leaves the event unrouted, for the stream's retry or the sweeper.
    await this.deps.marks?.markRouted(eventId);
    // Once routed, so a failed routing counts nothing; a redelivered event counts again (the counters are not per event).
    // Embedded records in memory (no promise, so no await); AWS writes the State table.
    const recorded = this.deps.correlations?.record(correlationTouches(event, starts));
    if (recorded !== undefined) await recorded;
    // From receipt (the put) to routed: the stream's delay, the iterator age and the routing itself.
    const lagMs = Number.isNaN(receivedMs) ? undefined : Math.max(0, this.clock.now() - receivedMs);
    this.logger.info('event routed', { eventId, correlationId, type: event.type, source: event.source, ruleIds: rules.map((r) => r.id), lagMs, via });
    this.metrics.count('EventsRouted');
    this.metrics.count('RulesMatched', rules.length);
    for (const rule of rules) this.metrics.countLabelled('RuleMatches', { ruleId: rule.id });
    if (lagMs !== undefined) {
      this.metrics.count('RoutingLag', lagMs);
      this.metrics.observe('RoutingLatency', lagMs / 1000);
    }
    const outcome: RouteOutcome = lagMs === undefined ? { rules, starts, waiters } : { rules, starts, waiters, lagMs };
    if (held.length > 0) outcome.held = held;
    return outcome;
  }

  /**
   * The fast path of an ingest that has just stored the event: its planned starts only, in firing
   * order — no joins, no waiters, no routed mark. The stream's `route` of the same event still
   * follows; it names the same executions, finds them started and does the rest.
   * @throws whatever a start throws; the starts before it stand.
   */
  async startPlanned(event: EngineEvent, context: RouteContext = {}): Promise<RouteOutcome['starts']> {
    const starts: RouteOutcome['starts'] = [];
    const receivedMs = context.receivedAt === undefined ? Number.NaN : Date.parse(context.receivedAt);
    // Flow control's rules are left to the stream's routing: the fast path only starts what starts at once.
    const rules = this.deps.ruleSet.route(event).filter((rule) => this.deps.flow === undefined || !this.deps.flow.governs(rule));
    for (const trigger of planTriggers(event, rules)) await this.startOne(event, trigger, { via: context.via, receivedMs }, starts, {});
    return starts;
  }

  private async startOne(
    event: EngineEvent,
    trigger: Trigger,
    { via, receivedMs }: { via: string | undefined; receivedMs: number },
    starts: RouteOutcome['starts'],
    observer: RouteObserver,
  ): Promise<void> {
    const { alreadyStarted } = await this.deps.starter.start(trigger);
    this.noteStart(event, trigger, alreadyStarted, { via, receivedMs }, starts, observer);
  }

  /** Logs, counts and reports one start. */
  private noteStart(
    event: EngineEvent,
    trigger: Trigger,
    alreadyStarted: boolean,
    { via, receivedMs }: { via: string | undefined; receivedMs: number },
    starts: RouteOutcome['starts'],
    observer: RouteObserver,
  ): void {
    starts.push({ trigger, alreadyStarted });
    const { ruleId, workflowId, executionName } = trigger;
    this.logger.info('execution started', { eventId: event.id, correlationId: trigger.input.correlationId, ruleId, workflowId, executionName, alreadyStarted, via });
    if (!alreadyStarted) {
      this.metrics.count('ExecutionsStarted');
      this.metrics.countForWorkflow('WorkflowsStarted', workflowId);
      if (!Number.isNaN(receivedMs)) this.startLatency(Math.max(0, this.clock.now() - receivedMs));
    }
    observer.started?.(trigger, alreadyStarted);
  }

  /** From receipt to a start: observed, and counted against the objective when there is one. */
  private startLatency(ms: number): void {
    this.metrics.observe('StartLatency', ms / 1000);
    const objective = this.deps.startLatencyObjectiveMs;
    if (objective !== undefined && ms > objective) this.metrics.count('StartLatencyObjectiveMissed');
  }
}
