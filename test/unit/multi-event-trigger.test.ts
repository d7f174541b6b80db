import { afterEach, describe, expect, it } from 'vitest';
import { compileRules, parseRules, RuleFileError } from '../../lambdas/core/index.js';
import { EmbeddedEngine } from '../../lambdas/embedded/embedded-engine.js';
import { createLogger } from '../../lambdas/embedded/logger.js';
import { loadProject } from '../../lambdas/project/load-project.js';

const BASE = Date.parse('2026-11-20T10:00:00.000Z');
const event = (id: string, type: string, correlationId: string | undefined, minute: number) => ({
  id,
  type,
  source: 'join-test',
  timestamp: new Date(BASE + minute * 60_000).toISOString(),
  data: { orderId: correlationId ?? 'none' },
  ...(correlationId ? { correlationId } : {}),
});

describe('a multi-event trigger (all + within), embedded', () => {
  let engine: EmbeddedEngine | undefined;
  afterEach(async () => {
    await engine?.close();
    engine = undefined;
  });

  async function start(): Promise<EmbeddedEngine> {
    const rules = parseRules('rules:\n  - id: ship-when-ready\n    all: [payment.received, stock.reserved]\n    within: 15m\n    workflow: send_confirmation\n', 'join.yaml');
    const project = { ...loadProject(), rules, ruleSet: compileRules(rules) };
    engine = await EmbeddedEngine.open({ project, dbPath: ':memory:', logger: createLogger({ level: 'silent' }) });
    return engine;
  }
  const executionsFor = async (e: EmbeddedEngine, correlationId: string) => {
    await e.idle();
    return (await e.queries.executions({ correlationId })).executions;
  };

  it('fires once, when the last of its events arrives, with all of them in its input', async () => {
    const e = await start();
    await e.ingestBatch([event('p-1', 'payment.received', 'o-1', 0)]);
    expect(await executionsFor(e, 'o-1')).toEqual([]);

    await e.ingestBatch([event('s-1', 'stock.reserved', 'o-1', 5)]);
    await e.ingestBatch([event('p-2', 'payment.received', 'o-1', 7), event('s-2', 'stock.reserved', 'o-1', 8)]);
    const executions = await executionsFor(e, 'o-1');

    expect(executions).toMatchObject([{ ruleId: 'ship-when-ready', workflowId: 'send_confirmation', eventId: 's-1', correlationId: 'o-1', status: 'SUCCEEDED' }]);
    const input = (await e.executions.get(executions[0]!.name))!.input;
    expect(input.events?.map((x) => x.id)).toEqual(['p-1', 's-1']);
  });

  it('does not fire when the events are further apart than the window, until a fresh one closes it', async () => {
    const e = await start();
    await e.ingestBatch([event('p-old', 'payment.received', 'o-2', 0), event('s-late', 'stock.reserved', 'o-2', 20)]);
    expect(await executionsFor(e, 'o-2')).toEqual([]);

    await e.ingestBatch([event('p-new', 'payment.received', 'o-2', 25)]);

    const executions = await executionsFor(e, 'o-2');
    expect(executions).toHaveLength(1);
    expect((await e.executions.get(executions[0]!.name))!.input.events?.map((x) => x.id)).toEqual(['p-new', 's-late']);
  });

  it('keeps correlations apart, and ignores events without a correlationId', async () => {
    const e = await start();
    await e.ingestBatch([
      event('p-a', 'payment.received', 'o-a', 0),
      event('s-b', 'stock.reserved', 'o-b', 1),
      event('p-none', 'payment.received', undefined, 2),
      event('s-none', 'stock.reserved', undefined, 3),
    ]);

    expect(await executionsFor(e, 'o-a')).toEqual([]);
    expect(await executionsFor(e, 'o-b')).toEqual([]);
    expect(e.executionsForEvent('s-none')).toEqual([]);
  });
});

describe('multi-event rules in rule files', () => {
  it('reads all + within', () => {
    const [rule] = parseRules('rules:\n  - id: ship\n    all: [payment.received, stock.reserved]\n    within: 15m\n    workflow: shipping\n', 'r.yaml');

    expect(rule).toMatchObject({ eventType: ['payment.received', 'stock.reserved'], join: { types: ['payment.received', 'stock.reserved'], withinMs: 900_000 } });
  });

  it.each([
    ['all without within', 'all: [a, b]', /"all" needs "within"/],
    ['within without all', 'eventType: a\n    within: 15m', /"within" goes with "all"/],
    ['one type', 'all: [a]\n    within: 1m', /at least two event types/],
    ['both all and eventType', 'eventType: a\n    all: [a, b]\n    within: 1m', /leave out "eventType"/],
    ['a bad window', 'all: [a, b]\n    within: soon', /must be a duration/],
  ])('refuses %s, at its line', (_name, body, message) => {
    const text = `rules:\n  - id: ship\n    workflow: shipping\n    ${body}\n`;

    let error: unknown;
    try {
      parseRules(text, 'r.yaml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RuleFileError);
    expect((error as RuleFileError).message).toMatch(message);
    expect((error as RuleFileError).message).toMatch(/^r\.yaml:\d+:\d+: /);
  });
});
