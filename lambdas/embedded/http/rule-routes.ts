/**
 * The rules routes (`GET/PUT/PATCH/DELETE /rules/{id}`, `GET /rules`, `GET /rules/{id}/history`): the engine's
 * `RuleCatalog` over HTTP, as on API Gateway. `changedBy` is the caller's token name. See docs/rules.md.
 */
import type { IncomingMessage } from 'node:http';
import { parseIfMatch, parseJsonBody, type RuleView } from '../../core/index.js';
import type { EmbeddedEngine } from '../embedded-engine.js';
import type { HttpAnswer } from './routes.js';
import type { ServerContext } from './server.js';

/** `ETag: "<version>"`, which `If-Match` gives back. */
const withTag = (status: number, rule: RuleView): HttpAnswer => ({ status, body: rule, headers: { etag: `"${rule.version}"` } });

const ifMatch = (request: IncomingMessage): number | undefined => {
  const header = request.headers['if-match'];
  return parseIfMatch(Array.isArray(header) ? header.join(', ') : header);
};

export function ruleRoutes(engine: EmbeddedEngine, { routes, readBody }: ServerContext): void {
  const catalog = engine.rules;
  routes.on('GET', '/rules', 'rules:read', async () => ({ status: 200, body: await catalog.list() }));
  routes.on('GET', '/rules/{id}', 'rules:read', async (_request, { id }) => withTag(200, await catalog.get(id as string)));
  routes.on('GET', '/rules/{id}/history', 'rules:read', async (_request, { id }) => ({ status: 200, body: await catalog.history(id as string) }));

  routes.on('PUT', '/rules/{id}', 'rules:write', async (request, { id }, _url, caller) => {
    const expectedVersion = ifMatch(request);
    // The text itself, not parsed JSON: read as YAML, a problem is located and named by its JSON path.
    const { rule, created } = await catalog.put(id as string, await readBody(request), { by: caller.name, ...optional(expectedVersion) });
    return withTag(created ? 201 : 200, rule);
  });
  routes.on('PATCH', '/rules/{id}', 'rules:write', async (request, { id }, _url, caller) => {
    const expectedVersion = ifMatch(request);
    return withTag(200, await catalog.patch(id as string, parseJsonBody(await readBody(request)), { by: caller.name, ...optional(expectedVersion) }));
  });
  routes.on('DELETE', '/rules/{id}', 'rules:write', async (request, { id }, _url, caller) => {
    await catalog.delete(id as string, { by: caller.name, ...optional(ifMatch(request)) });
    return { status: 204, body: undefined };
  });
}

const optional = (expectedVersion: number | undefined) => (expectedVersion === undefined ? {} : { expectedVersion });
