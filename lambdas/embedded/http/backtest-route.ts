/**
 * `POST /rules/test`, the backtest (docs/rules.md): core's `RuleBacktest` over the engine's store
 * and its rules in force. Reading only, it needs `rules:read`.
 */
import { parseBacktestRequest, parseJsonBody, RuleBacktest } from '../../core/index.js';
import type { EmbeddedEngine } from '../embedded-engine.js';
import type { ServerContext } from './server.js';

export function backtestRoute(engine: EmbeddedEngine, { routes, readBody }: ServerContext): void {
  const backtest = new RuleBacktest({ events: engine.events, ruleSet: () => engine.ruleSet });
  routes.on('POST', '/rules/test', 'rules:read', async (request) => {
    const workflows = new Set(engine.project.workflows.keys());
    return { status: 200, body: await backtest.run(parseBacktestRequest(parseJsonBody(await readBody(request)), workflows)) };
  });
}
