/**
 * What the router Lambda does with one stored event, on AWS: match the rules, start each planned
 * execution once (core `planTriggers`), feed multi-event joins and start the ones this event
 * completes, then complete the workflows waiting for it. The same steps as the embedded engine's
 * routing, over the State table and Step Functions. Once every step has succeeded, the event is
 * marked routed (`routedAt`), so the sweeper leaves it alone.
 */
import { planTriggers, type EngineEvent, type Rule, type RuleSet, type Trigger, type WorkflowStarter } from '../core/index.js';
import type { WaiterOutcome } from './correlation-waits.js';

export interface EventRouterDeps {
  ruleSet: RuleSet;
  /** Starts exactly once (RecordedWorkflowStarter in production). */
  starter: WorkflowStarter;
  /** Multi-event triggers (DynamoDbJoinStore). Without it, join rules start nothing. */
  joins?: { offer(rule: Rule, event: EngineEvent): Promise<Trigger | undefined> };
  /** Waiting workflows (CorrelationWaits). Without it, no waiter is completed. */
  waits?: { onRouted(event: EngineEvent): Promise<WaiterOutcome[]> };
  /** The routed mark on the stored event (DynamoDbRoutingMarks). Without it, nothing is marked. */
  marks?: { markRouted(eventId: string): Promise<void> };
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
}

/**
 * @example const { starts } = await new EventRouter({ ruleSet, starter, joins, waits }).route(event)
 */
export class EventRouter {
  constructor(private readonly deps: EventRouterDeps) {}

  /**
   * Routes one event. Every step is idempotent, so a retry after a failure halfway repeats the
   * done steps harmlessly and finishes the rest.
   * @throws whatever a step throws (RetryableError when a dependency is throttled or down).
   */
  async route(event: EngineEvent, observer: RouteObserver = {}): Promise<RouteOutcome> {
    const rules = this.deps.ruleSet.route(event);
    const triggers = planTriggers(event, rules);
    const starts: RouteOutcome['starts'] = [];
    const start = async (trigger: Trigger): Promise<void> => {
      const { alreadyStarted } = await this.deps.starter.start(trigger);
      starts.push({ trigger, alreadyStarted });
      observer.started?.(trigger, alreadyStarted);
    };
    // In firing order, one at a time: a failure leaves the later starts to the retry, which names them identically.
    for (const trigger of triggers) await start(trigger);
    for (const rule of rules) {
      if (rule.join === undefined || this.deps.joins === undefined) continue;
      const joined = await this.deps.joins.offer(rule, event);
      if (joined) await start(joined);
    }
    const waiters = (await this.deps.waits?.onRouted(event)) ?? [];
    for (const outcome of waiters) observer.waiterCompleted?.(outcome);
    // Last: a failure before this leaves the event unrouted, for the stream's retry or the sweeper.
    await this.deps.marks?.markRouted(event.id);
    return { rules, starts, waiters };
  }
}
