/**
 * Acting on executions over HTTP: stop or redrive one (`POST /executions/{name}/stop|redrive`), and bulk actions by
 * filter (`POST /executions/actions`, `GET|DELETE /executions/actions/{actionId}`). All need `executions:write`
 * (reading an action's progress, `executions:read`); the caller's name is recorded as who acted.
 */
import { parseBulkActionRequest, parseJsonBody } from '../../core/index.js';
import type { EmbeddedEngine } from '../embedded-engine.js';
import type { ServerContext } from './server.js';

export function executionActionRoutes(engine: EmbeddedEngine, { routes, readBody }: ServerContext): void {
  routes.on('POST', '/executions/actions', 'executions:write', async (request) => {
    const view = await engine.bulkActions.start(parseBulkActionRequest(parseJsonBody(await readBody(request))));
    return { status: 202, body: { actionId: view.actionId, status: view.status, matched: view.matched, ...(view.dryRun ? { sample: view.sample } : {}) } };
  });
  routes.on('GET', '/executions/actions/{actionId}', 'executions:read', async (_request, { actionId }) => ({
    status: 200,
    body: await engine.bulkActions.get(actionId as string),
  }));
  routes.on('DELETE', '/executions/actions/{actionId}', 'executions:write', async (_request, { actionId }) => ({
    status: 200,
    body: await engine.bulkActions.cancel(actionId as string),
  }));
  routes.on('POST', '/executions/{name}/stop', 'executions:write', async (_request, { name }, _url, caller) => ({
    status: 200,
    body: (await engine.actions.stop(name as string, caller.name)).execution,
  }));
  routes.on('POST', '/executions/{name}/redrive', 'executions:write', async (_request, { name }, _url, caller) => {
    const { execution, outcome } = await engine.actions.redrive(name as string, caller.name);
    return { status: 200, body: { ...execution, outcome } };
  });
}
