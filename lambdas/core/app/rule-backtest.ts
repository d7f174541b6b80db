/**
 * `POST /rules/test`, the backtest: which stored events of a window a candidate rule would have
 * fired for, among the engine's current rules, read as a replay reads them and starting nothing.
 */
import { Document, type Node as YamlNode } from 'yaml';
import { parseZonedInstant } from '../envelope.js';
import { ValidationError, type ErrorDetail } from '../errors.js';
import type { EventStore } from '../ports/events.js';
import { readRule } from '../rules/read-rule.js';
import { compileRules } from '../rules/rule-set.js';
import type { Rule, RuleSet } from '../rules/types.js';
import { NodeReader } from '../rules/yaml-nodes.js';
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
 * Checks a `POST /rules/test` body: the candidate is read as a rule of a file is (same keys,
 * checks and messages) and must name a known workflow; problems name their JSON path.
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
  const rule = input.rule === undefined ? (details.push({ path: 'rule', message: 'required: the candidate rule, as JSON' }), undefined) : readCandidate(input.rule, details);
  if (rule !== undefined && !workflows.has(rule.workflow)) details.push({ path: 'rule.workflow', message: `unknown workflow ${JSON.stringify(rule.workflow)}` });
  if (details.length > 0 || rule === undefined) throw new ValidationError(`Invalid backtest: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, details);
  return { rule, from: new Date(from as number).toISOString(), to: new Date(to as number).toISOString(), ...(limit === undefined ? {} : { limit: limit as number }) };
}

/** Reads the candidate with the rule files' reader; each problem becomes a detail at its JSON path. */
function readCandidate(value: unknown, details: ErrorDetail[]): Rule | undefined {
  const doc = new Document(value);
  const r = new NodeReader('rule', doc, undefined);
  const node = doc.contents as YamlNode | null;
  const rule = readRule(r, node, node ?? (doc as unknown as YamlNode), 'rule', { required: false, generate: () => CANDIDATE_ID });
  for (const issue of r.issues) details.push(jsonPathDetail(issue.message));
  return r.issues.length > 0 ? undefined : rule;
}

/** `rule "x", conditions[0].value: …` → `{path: 'rule.conditions[0].value', message: '…'}`. */
function jsonPathDetail(message: string): ErrorDetail {
  const match = /^rule(?: "[^"]*")?(?:, |\.)?([^:\s]*): ([\s\S]*)$/.exec(message);
  if (match === null) return { path: 'rule', message };
  const rest = match[1] as string;
  return { path: rest === '' ? 'rule' : `rule.${rest}`, message: match[2] as string };
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
