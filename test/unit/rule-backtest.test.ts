import { describe, expect, it } from 'vitest';
import { parseBacktestRequest, RuleBacktest, ValidationError, type EngineEvent, type EventStore } from '../../lambdas/core/index.js';
import { replayBase, replayRuleSet, REPLAY_WORKFLOWS } from '../support/replay-fixtures.js';

const BASE = replayBase();
const at = (minute: number) => new Date(BASE + minute * 60_000).toISOString();
const registration = (id: string, minute: number, userType: string): EngineEvent => ({
  id,
  type: 'user_registration',
  source: 'backtest-test',
  timestamp: at(minute),
  data: { userId: id, user_type: userType },
});

/** The store's `range` over a list: the window in (timestamp, id) order, as every adapter answers it. */
function storeOf(events: EngineEvent[]): Pick<EventStore, 'range'> {
  const sorted = [...events].sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : a.id < b.id ? -1 : 1));
  return {
    async *range(from, to) {
      for (const event of sorted) if (event.timestamp >= from && event.timestamp < to) yield event;
    },
  };
}

const EVENTS = [
  registration('e-01', 1, 'premium'),
  registration('e-02', 2, 'free'),
  registration('e-03', 3, 'free'),
  registration('e-04', 3, 'premium'),
  registration('e-05', 9, 'free'),
  registration('e-06', 20, 'free'),
];
const freeRule = { id: 'free-onboarding', eventType: 'user_registration', workflow: 'onboarding_workflow', conditions: [{ field: 'user_type', value: 'free' }] };
const body = (rule: unknown, extra: Record<string, unknown> = {}) => ({ rule, from: at(0), to: at(10), ...extra });
const backtest = (maxScan?: number) => new RuleBacktest({ events: storeOf(EVENTS), ruleSet: replayRuleSet, ...(maxScan === undefined ? {} : { maxScan }) });
const details = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).details;
  }
  throw new Error('expected a ValidationError');
};

describe('the rule backtest', () => {
  it('counts the events of the window the candidate fires for, with their ids in (timestamp, id) order', async () => {
    const result = await backtest().run(parseBacktestRequest(body(freeRule), REPLAY_WORKFLOWS));

    expect(result).toEqual({ scanned: 5, matched: 3, workflows: { onboarding_workflow: 3 }, eventIds: ['e-02', 'e-03', 'e-05'] });
  });

  it('tests the candidate among the current rules: a higher-priority stop rule cuts it as it would live', async () => {
    const stopper = { id: 'premium-onboarding', eventType: 'user_registration', workflow: 'order_fulfilment', priority: 500, stop: true };
    const shadowed = { id: 'anyone', eventType: 'user_registration', workflow: 'send_confirmation' };
    const withStop = new RuleBacktest({ events: storeOf(EVENTS), ruleSet: () => replayRuleSet() });

    const alone = await withStop.run(parseBacktestRequest(body(shadowed), REPLAY_WORKFLOWS));
    const cut = await new RuleBacktest({
      events: storeOf(EVENTS),
      ruleSet: () => ({ ...replayRuleSet(), rules: [...replayRuleSet().rules, parseBacktestRequest(body(stopper), REPLAY_WORKFLOWS).rule] }),
    }).run(parseBacktestRequest(body(shadowed), REPLAY_WORKFLOWS));

    expect(alone.matched).toBe(5);
    expect(cut.matched).toBe(0);
  });

  it('replaces the current rule of the same id, and tests a disabled candidate as if enabled', async () => {
    const replaced = {
      id: 'premium-onboarding',
      eventType: 'user_registration',
      workflow: 'onboarding_workflow',
      enabled: false,
      conditions: [{ field: 'user_type', value: 'free' }],
    };

    const result = await backtest().run(parseBacktestRequest(body(replaced), REPLAY_WORKFLOWS));

    expect(result.eventIds).toEqual(['e-02', 'e-03', 'e-05']);
  });

  it('reads the first `limit` events when asked, and says where it stopped', async () => {
    const result = await backtest().run(parseBacktestRequest(body(freeRule, { limit: 3 }), REPLAY_WORKFLOWS));

    expect(result).toEqual({ scanned: 3, matched: 2, workflows: { onboarding_workflow: 2 }, eventIds: ['e-02', 'e-03'], truncated: { lastTimestamp: at(3), lastId: 'e-03' } });
  });

  it('refuses a window holding more events than one backtest reads, naming the bound', async () => {
    const request = parseBacktestRequest(body(freeRule), REPLAY_WORKFLOWS);

    const refused = backtest(4).run(request);

    await expect(refused).rejects.toThrow(ValidationError);
    await expect(refused).rejects.toThrow(/more than 4 events.*narrow from\/to, or set limit/);
  });

  it('answers a window that holds exactly the bound', async () => {
    const result = await backtest(5).run(parseBacktestRequest(body(freeRule), REPLAY_WORKFLOWS));

    expect(result.scanned).toBe(5);
  });

  it('reads a candidate without an id', async () => {
    const { id: _, ...anonymous } = freeRule;

    const result = await backtest().run(parseBacktestRequest(body(anonymous), REPLAY_WORKFLOWS));

    expect(result.matched).toBe(3);
  });
});

describe('a backtest request', () => {
  it('names the JSON path of each problem of the candidate, as a rules file would', () => {
    const bad = { ...freeRule, conditions: [{ field: 'user_type', op: 'bogus', value: 1 }], priority: 'high' };

    const found = details(() => parseBacktestRequest(body(bad), REPLAY_WORKFLOWS));

    expect(found.map((d) => d.path)).toEqual(expect.arrayContaining(['rule.priority', 'rule.conditions[0].op']));
    expect(found.find((d) => d.path === 'rule.conditions[0].op')?.message).toMatch(/unknown operator "bogus"/);
  });

  it('refuses an unknown workflow, an unknown key of the rule and one of the body', () => {
    const found = details(() => parseBacktestRequest({ ...body({ ...freeRule, workflow: 'nope', colour: 'red' }), extra: 1 }, REPLAY_WORKFLOWS));

    expect(found.map((d) => d.path)).toEqual(expect.arrayContaining(['extra', 'rule.colour']));
    expect(found.some((d) => /colour/.test(d.message))).toBe(true);
  });

  it('names the workflow when the candidate is otherwise valid', () => {
    expect(details(() => parseBacktestRequest(body({ ...freeRule, workflow: 'nope' }), REPLAY_WORKFLOWS))).toEqual([
      { path: 'rule.workflow', message: 'no workflow "nope" is deployed' },
    ]);
  });

  it('needs the rule and a window that runs forward, and a limit within the bound', () => {
    const found = details(() => parseBacktestRequest({ from: at(10), to: at(0), limit: 2_000_000 }, REPLAY_WORKFLOWS));

    expect(found.map((d) => d.path).sort()).toEqual(['limit', 'rule', 'to']);
  });

  it('refuses a candidate that is not an object', () => {
    expect(details(() => parseBacktestRequest(body(5), REPLAY_WORKFLOWS))).toEqual([{ path: 'rule', message: 'a rule must be a JSON object' }]);
  });

  it('needs both ends of the window, with a zone', () => {
    const found = details(() => parseBacktestRequest({ rule: freeRule, from: '2026-01-01T00:00:00' }, REPLAY_WORKFLOWS));

    expect(found).toEqual([
      { path: 'from', message: 'must be an ISO 8601 timestamp with a zone (Z or ±hh:mm)' },
      { path: 'to', message: 'required' },
    ]);
  });
});
