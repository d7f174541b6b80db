/**
 * The flow-control row of `npm run bench -- rules`: routing (the EventRouter on in-memory SQLite stores, starts recorded)
 * of a 1,000-rule set with a debounce and a throttle rule that every event meets, as a ratio to the same set without them.
 */
import { compileRules, EventRouter, FlowControl, type EngineEvent, type Rule } from '../lambdas/core/index.js';
import { EmbeddedWorkflowStarter } from '../lambdas/embedded/embedded-workflow-starter.js';
import { GroupCommit } from '../lambdas/embedded/group-commit.js';
import { openDatabase } from '../lambdas/embedded/sqlite-database.js';
import { SqliteExecutionStore } from '../lambdas/embedded/sqlite-execution-store.js';
import { SqliteFlowStateStore } from '../lambdas/embedded/sqlite-flow-state-store.js';

const flowRule = (id: string, flow: NonNullable<Rule['flow']>): Rule => ({
  id,
  eventType: '*',
  workflow: 'wf',
  priority: 0,
  conditions: [],
  stop: false,
  enabled: true,
  flow,
});
const FLOW_RULES: Rule[] = [
  flowRule('bench-debounce', { key: '$.data.country', debounce: { periodMs: 2000, maxWaitMs: 60_000 } }),
  flowRule('bench-throttle', { key: '$.data.user_type', throttle: { limit: 1000, periodMs: 1000 } }),
];

/** Events routed per second, in batches of 100 routed together (as the change feed hands them over). */
async function routed(rules: Rule[], events: readonly EngineEvent[]): Promise<number> {
  const db = openDatabase(':memory:');
  const writes = new GroupCommit(db);
  const executions = new SqliteExecutionStore(db, writes);
  const clock = { now: Date.now };
  const ruleSet = compileRules(rules);
  const starter = new EmbeddedWorkflowStarter({ executions, launch: () => undefined, clock });
  const flow = new FlowControl({ ruleSet, store: new SqliteFlowStateStore(db, writes), wakeUps: { schedule: async () => undefined }, starter, executions, clock });
  const router = new EventRouter({ ruleSet, starter, flow, clock });
  const start = performance.now();
  for (let i = 0; i < events.length; i += 100) await Promise.all(events.slice(i, i + 100).map((e) => router.route(e)));
  const seconds = (performance.now() - start) / 1000;
  db.close();
  return events.length / seconds;
}

/** The row's lines: both rates and their ratio. */
export async function flowControlRows(rules: Rule[], events: readonly EngineEvent[], quick: boolean): Promise<string[]> {
  const sample = events.slice(0, quick ? 1000 : 5000);
  const without = await routed(rules, sample);
  const withFlow = await routed([...rules, ...FLOW_RULES], sample);
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  return [
    '',
    `Flow control (routed through the EventRouter on in-memory SQLite, starts recorded; ${sample.length} events):`,
    `| b: ${rules.length} rules | ${fmt(without)} events/s |`,
    `| b + a debounce and a throttle rule every event meets | ${fmt(withFlow)} events/s | ${((withFlow / without) * 100).toFixed(0)}% of b |`,
  ];
}
