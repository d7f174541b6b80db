/**
 * Multi-event triggers (`all: [payment.received, stock.reserved]`, `within: 15m`): the latest
 * event of each type is kept per (rule, correlation); the rule fires once per correlation, when
 * every type is present and the first and the last are no further apart than the window.
 */
import type { EngineEvent } from './envelope.js';
import { correlationIdFor, executionName, type Trigger } from './execution.js';
import type { Rule } from './rules/types.js';

/** The correlation a join collects under, or undefined when the event belongs to none. */
export function joinCorrelation(event: EngineEvent, rule: Rule): string | undefined {
  const correlationId = correlationIdFor(event, rule);
  // Without a correlationId (its own id stands in) there is nothing to join the event with.
  return correlationId === event.id && event.correlationId === undefined ? undefined : correlationId;
}

/** Whether `candidate` should replace `kept` as its type's event: the later one wins. */
export const newerThan = (candidate: EngineEvent, kept: EngineEvent | undefined): boolean =>
  kept === undefined || candidate.timestamp > kept.timestamp || (candidate.timestamp === kept.timestamp && candidate.id > kept.id);

/** The joined events in the rule's type order, when all are present within the window. */
export function completeJoin(rule: Rule, latest: ReadonlyMap<string, EngineEvent>): EngineEvent[] | undefined {
  if (!rule.join) return undefined;
  const events = rule.join.types.map((type) => latest.get(type));
  if (events.some((e) => e === undefined)) return undefined;
  const times = (events as EngineEvent[]).map((e) => Date.parse(e.timestamp));
  return Math.max(...times) - Math.min(...times) <= rule.join.withinMs ? (events as EngineEvent[]) : undefined;
}

/**
 * The one execution a completed join starts: named by rule and correlation (so it fires once per
 * correlation), its input the last event to arrive plus all of them.
 */
export function joinTrigger(rule: Rule, correlationId: string, events: readonly EngineEvent[], last: EngineEvent): Trigger {
  const trigger: Trigger = {
    workflowId: rule.workflow,
    ruleId: rule.id,
    executionName: executionName(rule.id, `join\u0000${correlationId}`),
    input: { event: last, events: [...events], rule: { id: rule.id, priority: rule.priority }, correlationId },
  };
  if (rule.version !== undefined) trigger.ruleVersion = rule.version;
  return trigger;
}
