/**
 * The events routes: `POST /events` (and the configuration's webhook paths), the EventBridge
 * `PutEvents` call on `POST /`, and the reads — events, one event, a correlation's timeline — plain and (`/sensitive/…`) revealing.
 */
import { fromPutEventsEntry, parseJsonBody, ValidationError, type EngineEvent } from '../../core/index.js';
import type { EmbeddedEngine } from '../embedded-engine.js';
import { checkSource, type Caller } from './auth.js';
import type { Handler } from './routes.js';
import type { ServerContext } from './server.js';

/** What the caller may publish: `events:write` limited to sources refuses the others per entry (403). */
const admitFor = (caller: Caller) => (caller.sources === undefined ? undefined : (event: EngineEvent) => checkSource(caller, event.source));

export function eventRoutes(engine: EmbeddedEngine, { routes, readBody }: ServerContext): void {
  const ingest: Handler = async (request, _params, _url, caller) => engine.ingestRequest(parseJsonBody(await readBody(request)), admitFor(caller));
  routes.on('POST', '/events', 'events:write', ingest);
  // Webhook endpoints the configuration names (`event_sources: - type: webhook`) take events as POST /events does.
  for (const source of engine.project.config?.eventSources ?? []) {
    if (source.type !== 'webhook') continue;
    for (const path of source.endpoints) if (path !== '/events') routes.on('POST', path, 'events:write', ingest, { literal: true });
  }

  // The EventBridge PutEvents wire call, so an app's EventBridgeClient can point at the engine unchanged.
  routes.on('POST', '/', 'events:write', async (request, _params, _url, caller) => {
    const target = request.headers['x-amz-target'];
    if (target !== 'AWSEvents.PutEvents') {
      return { status: 400, body: { __type: 'UnknownOperationException', message: `Unsupported operation ${String(target ?? '(none)')}` } };
    }
    try {
      return { status: 200, body: await putEvents(engine, parseJsonBody(await readBody(request)), caller) };
    } catch (error) {
      // The AWS JSON protocol names errors in `__type`; the SDK turns that into a typed exception.
      if (error instanceof ValidationError) return { status: 400, body: { __type: 'ValidationException', message: error.message } };
      throw error;
    }
  });

  const queries = engine.queries;
  const parameters = (url: URL) => Object.fromEntries(url.searchParams);
  // Encrypted event fields are answered in the clear only to a caller holding `events:read-sensitive`.
  const reading = (caller: Caller) => ({ revealSensitive: caller.scopes.has('events:read-sensitive') });
  routes.on('GET', '/events', 'events:read', async (_request, _params, url, caller) => ({ status: 200, body: await queries.events(parameters(url), reading(caller)) }));
  routes.on('GET', '/events/{id}', 'events:read', async (_request, { id }, _url, caller) => ({ status: 200, body: await queries.event(id as string, reading(caller)) }));
  routes.on('GET', '/correlations/{correlationId}', 'events:read', async (_request, { correlationId }, url, caller) => ({
    status: 200,
    body: await queries.correlation(correlationId as string, parameters(url), reading(caller)),
  }));
  // The same reads under their AWS paths (lib/sensitive-reads.ts), where IAM grants revealing by route: always opened.
  const revealing = { revealSensitive: true };
  routes.on('GET', '/sensitive/events', 'events:read-sensitive', async (_request, _params, url) => ({ status: 200, body: await queries.events(parameters(url), revealing) }));
  routes.on('GET', '/sensitive/events/{id}', 'events:read-sensitive', async (_request, { id }) => ({ status: 200, body: await queries.event(id as string, revealing) }));
  routes.on('GET', '/sensitive/correlations/{correlationId}', 'events:read-sensitive', async (_request, { correlationId }, url) => ({
    status: 200,
    body: await queries.correlation(correlationId as string, parameters(url), revealing),
  }));
}

/** PutEvents: at most 10 entries, each answered with its EventId or an ErrorCode, as EventBridge does. */
async function putEvents(engine: EmbeddedEngine, body: unknown, caller: Caller): Promise<unknown> {
  const entries = (body as { Entries?: unknown })?.Entries;
  if (!Array.isArray(entries) || entries.length === 0 || entries.length > 10) {
    throw new ValidationError('PutEvents needs Entries: a list of 1 to 10 entries', [{ path: 'Entries', message: 'must hold 1 to 10 entries' }]);
  }
  const { failedCount, results } = await engine.ingestBatch(entries, (entry) => fromPutEventsEntry(entry as Record<string, unknown>), admitFor(caller));
  return {
    FailedEntryCount: failedCount,
    Entries: results.map((result) =>
      'id' in result ? { EventId: result.id } : { ErrorCode: result.error === 'forbidden' ? 'AccessDeniedException' : 'InvalidArgument', ErrorMessage: result.message },
    ),
  };
}
