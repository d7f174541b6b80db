/**
 * `POST /rules/test`, the backtest: which stored events of a window a candidate rule would have
 * fired for, among the engine's current rules, read as a replay reads them and starting nothing.
 */
import { parseZonedInstant } from '../envelope.js';
import { ValidationError, type ErrorDetail } from '../errors.js';
import type { EventStore } from '../ports/events.js';
import type { RuleDocument } from '../ports/rules.js';
import { readRuleDocument } from '../rules/rule-document.js';
import { compileRules } from '../rules/rule-set.js';
import type { Rule, RuleSet } from '../rules/types.js';
import { eventsInWindow } from './event-window.js';

/** The most events one backtest reads. */
export const MAX_BACKTEST_SCAN = 1_000_000;
/** How many matched event ids a backtest answers with. */
export const BACKTEST_SAMPLE = 100;
/** The id a candidate without one is tested under. */
export const CANDIDATE_ID = 'candidate';

/** A checked `POST /rules/test` body. */
export interface BacktestRequest {
  rule: Rule;
  /** The window: `from ≤ timestamp < to`, ISO 8601 in UTC. */
  from: string;
  to: string;
  /** The most events to read; set by the caller, a window holding more answers for its first `limit` events. */
  limit?: number;
}

/** What a backtest answers. */
export interface BacktestResult {
  /** Events of the window read. */
  scanned: number;
  /** Events the candidate fires for. */
  matched: number;
  /** Starts per workflow the candidate would have made. */
  workflows: Record<string, number>;
  /** The first matched event ids, in (timestamp, id) order. */
  eventIds: string[];
  /** Present when `limit` stopped the read before the window's end: the last event read. */
  truncated?: { lastTimestamp: string; lastId: string };
}

export interface RuleBacktestDeps {
  events: Pick<EventStore, 'range'>;
  /** The rules in force now; read once per backtest. */
  ruleSet: () => RuleSet;
  /** The most events one backtest reads without a `limit`. Default `MAX_BACKTEST_SCAN`. */
  maxScan?: number;
}

const BODY_KEYS = ['rule', 'from', 'to', 'limit'];

/**
 * Checks a `POST /rules/test` body: the candidate is read as `PUT /rules/{id}` reads a rule (as the
 * rule files are, and naming a deployed workflow); problems name their JSON path under `rule.`.
 * @throws ValidationError naming every problem.
 */
export function parseBacktestRequest(body: unknown, workflows: ReadonlySet<string>): BacktestRequest {
  const details: ErrorDetail[] = [];
  const input = (body !== null && typeof body === 'object' && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
  if (input !== body) details.push({ path: '(body)', message: 'must be a JSON object' });
  for (const key of Object.keys(input)) if (!BODY_KEYS.includes(key)) details.push({ path: key, message: `unknown field; expected ${BODY_KEYS.join(', ')}` });
  const time = (key: 'from' | 'to'): number | undefined => {
    const parsed = parseZonedInstant(input[key]);
    if (parsed === undefined) details.push({ path: key, message: input[key] === undefined ? 'required' : 'must be an ISO 8601 timestamp with a zone (Z or ±hh:mm)' });
    return parsed;
  };
  const from = time('from');
  const to = time('to');
  if (from !== undefined && to !== undefined && to <= from) details.push({ path: 'to', message: 'must be after from' });
  const { limit } = input;
  if (limit !== undefined && (!Number.isInteger(limit) || (limit as number) < 1 || (limit as number) > MAX_BACKTEST_SCAN)) {
    details.push({ path: 'limit', message: `must be a whole number of events from 1 to ${MAX_BACKTEST_SCAN}` });
  }
  const rule =
    input.rule === undefined ? (details.push({ path: 'rule', message: 'required: the candidate rule, as JSON' }), undefined) : readCandidate(input.rule, workflows, details);
  if (details.length > 0 || rule === undefined) throw new ValidationError(`Invalid backtest: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, details);
  return { rule, from: new Date(from as number).toISOString(), to: new Date(to as number).toISOString(), ...(limit === undefined ? {} : { limit: limit as number }) };
}

/** Reads the candidate as `PUT /rules/{id}` reads a rule (its id, or `candidate`); each problem becomes a detail under `rule.`. */
function readCandidate(value: unknown, workflows: ReadonlySet<string>, details: ErrorDetail[]): Rule | undefined {
  const id = value !== null && typeof value === 'object' && typeof (value as { id?: unknown }).id === 'string' ? (value as { id: string }).id : CANDIDATE_ID;
  try {
    return readRuleDocument(id, value as RuleDocument, { workflows }).rule;
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    for (const detail of error.details) details.push({ path: detail.path === '(body)' || detail.path === '(rule)' ? 'rule' : `rule.${detail.path}`, message: detail.message });
    return undefined;
  }
}

/**
 * Runs backtests.
 * @example await new RuleBacktest({ events, ruleSet: () => engine.ruleSet }).run(parseBacktestRequest(body, ids))
 */
export class RuleBacktest {
  constructor(private readonly deps: RuleBacktestDeps) {}

  /**
   * Reads the window in (timestamp, id) order, routing each event through the current rules with
   * the candidate in them (replacing the rule of its id, enabled), and counts what it fires for.
   * @throws ValidationError when the window holds more than `maxScan` events and no `limit` was asked for.
   */
  async run(request: BacktestRequest): Promise<BacktestResult> {
    const candidate: Rule = { ...request.rule, enabled: true };
    const current = this.deps.ruleSet().rules.filter((rule) => rule.id !== candidate.id);
    const ruleSet = compileRules([...current, candidate]);
    const maxScan = this.deps.maxScan ?? MAX_BACKTEST_SCAN;
    const cap = request.limit ?? maxScan;
    const result: BacktestResult = { scanned: 0, matched: 0, workflows: {}, eventIds: [] };
    let last: { timestamp: string; id: string } | undefined;
    for await (const event of eventsInWindow(this.deps.events, request.from, request.to)) {
      if (result.scanned >= cap) {
        if (request.limit === undefined) {
          const message = `the window holds more than ${maxScan} events, the most one backtest reads: narrow from/to, or set limit to test the first ones`;
          throw new ValidationError(`Invalid backtest: ${message}`, [{ path: 'to', message }]);
        }
        if (last !== undefined) result.truncated = { lastTimestamp: last.timestamp, lastId: last.id };
        break;
      }
      result.scanned++;
      last = event;
      if (!ruleSet.route(event).some((rule) => rule.id === candidate.id)) continue;
      result.matched++;
      result.workflows[candidate.workflow] = (result.workflows[candidate.workflow] ?? 0) + 1;
      if (result.eventIds.length < BACKTEST_SAMPLE) result.eventIds.push(event.id);
    }
    return result;
  }
}
