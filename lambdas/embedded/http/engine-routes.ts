/**
 * The engine's other routes: health, executions and replays (the rules routes are in rule-routes.ts). Health is open, but shows
 * counts only to a caller with a token (or to everyone on an engine without tokens).
 */
import { parseJsonBody, replayJobView } from '../../core/index.js';
import type { EmbeddedEngine } from '../embedded-engine.js';
import type { ServerContext } from './server.js';

export function engineRoutes(engine: EmbeddedEngine, { routes, readBody }: ServerContext): void {
  routes.on('GET', '/health', 'public', async (_request, _params, _url, caller) => {
    const health = engine.health();
    const status = health.degraded === undefined ? 200 : 503;
    const state = health.degraded === undefined ? { status: 'ok' } : { status: 'degraded', reason: health.degraded };
    if (caller.scopes.size === 0) return { status, body: state };
    const counts = { rules: engine.project.rules.length, workflows: engine.project.workflows.size, events: engine.events.counts(), executionsRunning: engine.runningCount };
    return { status, body: { ...state, ...counts } };
  });

  const queries = engine.queries;
  const parameters = (url: URL) => Object.fromEntries(url.searchParams);
  routes.on('GET', '/executions', 'executions:read', async (_request, _params, url) => ({ status: 200, body: await queries.executions(parameters(url)) }));
  routes.on('GET', '/executions/{name}', 'executions:read', async (_request, { name }) => ({ status: 200, body: await queries.execution(name as string) }));

  routes.on('POST', '/replays', 'replays:write', async (request) => {
    const job = await engine.replay(engine.parseReplay(parseJsonBody(await readBody(request))));
    return { status: 202, body: { replayId: job.replayId } };
  });
  routes.on('GET', '/replays/{replayId}', 'executions:read', async (_request, { replayId }) => ({
    status: 200,
    body: replayJobView(engine.replays.stored(replayId as string)),
  }));
  routes.on('DELETE', '/replays/{replayId}', 'replays:write', async (_request, { replayId }) => ({
    status: 200,
    body: replayJobView(await engine.replays.cancel(replayId as string)),
  }));
}
