/**
 * The rules API behind API Gateway (REST, Lambda proxy, IAM per method): `GET /rules`, `GET/PUT/PATCH/DELETE
 * /rules/{id}`, `GET /rules/{id}/history` through core's `RuleCatalog` on the State table, `POST /rules/{id}/trigger`
 * (one fire of a schedule rule now, ingested into the Events table), and the backtest `POST /rules/test` over the
 * Events table — what the embedded routes answer, in the same shapes. Who changed a
 * rule is the caller's IAM identity (or API key). The catalog is brought up to date (one revision read) before
 * each request: other containers write too.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import {
  NotFoundError,
  parseBacktestRequest,
  parseIfMatch,
  parseJsonBody,
  RuleBacktest,
  triggerSchedule,
  type EventStore,
  type RuleCatalog,
  type RuleView,
  type ScheduleRunnerDeps,
} from '../../core/index.js';
import type { PowertoolsMetricsSink } from '../powertools-engine-metrics.js';
import { logger as sharedLogger } from '../wiring/powertools.js';
import { bodyText, errorAnswer, json, pathParameter } from './api-gateway.js';

/** What the rules API needs; tests pass their own. */
export interface RulesHttpDeps {
  /** The catalog over the State table, opened once per container (the first request waits for it). */
  catalog: () => Promise<Pick<RuleCatalog, 'list' | 'get' | 'put' | 'patch' | 'delete' | 'history' | 'refresh' | 'ruleSet'>>;
  /** The Events table, for backtests. */
  events: Pick<EventStore, 'range'>;
  /** Every deployed workflow id. */
  workflows: ReadonlySet<string>;
  /** Where `POST /rules/{id}/trigger` ingests a schedule's fire (the Events table, as every ingest path). Unset: 404. */
  fire?: Pick<ScheduleRunnerDeps, 'ingest' | 'clock' | 'ids'>;
  /** The most events one backtest reads. Default core's `MAX_BACKTEST_SCAN`. */
  maxBacktestScan?: number;
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
  metrics?: PowertoolsMetricsSink;
}

export type RulesHttpHandler = (request: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

/** Who a change is recorded as: the IAM identity that signed the request, else the API key, else the caller API Gateway names. */
export function changedByOf(request: APIGatewayProxyEvent): string {
  const identity = request.requestContext?.identity;
  if (identity?.userArn) return identity.userArn;
  if (identity?.apiKeyId) return `api-key:${identity.apiKeyId}`;
  return identity?.caller || 'anonymous';
}

const header = (request: APIGatewayProxyEvent, name: string): string | undefined =>
  Object.entries(request.headers ?? {}).find(([key]) => key.toLowerCase() === name)?.[1] ?? undefined;

/** A rule's answer, with its version as the entity tag. */
const withTag = (status: number, rule: RuleView): APIGatewayProxyResult => {
  const answer = json(status, rule);
  return { ...answer, headers: { ...answer.headers, etag: `"${rule.version}"` } };
};

/**
 * The rules API handler without middlewares.
 * @example const answer = await createRulesHandler({ catalog: () => opened, events: store, workflows })(apiGatewayEvent)
 */
export function createRulesHandler(deps: RulesHttpDeps): RulesHttpHandler {
  const log = deps.logger ?? sharedLogger;

  const answer = async (request: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const catalog = await deps.catalog();
    await catalog.refresh();
    const { resource, httpMethod: method } = request;
    if (resource === '/rules' && method === 'GET') return json(200, await catalog.list());
    if (resource === '/rules/test' && method === 'POST') {
      const backtest = new RuleBacktest({
        events: deps.events,
        ruleSet: () => catalog.ruleSet,
        ...(deps.maxBacktestScan === undefined ? {} : { maxScan: deps.maxBacktestScan }),
      });
      return json(200, await backtest.run(parseBacktestRequest(parseJsonBody(bodyText(request)), deps.workflows)));
    }
    // `/rules/test` is a resource of its own on API Gateway: a rule may still be called "test".
    const one = resource === '/rules/{id}' || resource === '/rules/test';
    const id = resource === '/rules/test' ? 'test' : pathParameter(request, 'id');
    const options = () => {
      const expectedVersion = parseIfMatch(header(request, 'if-match'));
      return { by: changedByOf(request), ...(expectedVersion === undefined ? {} : { expectedVersion }) };
    };
    if (one && method === 'GET') return withTag(200, await catalog.get(id));
    if (one && method === 'PUT') {
      const { rule, created } = await catalog.put(id, bodyText(request), options());
      log.info('rule changed', { audit: created ? 'rule-created' : 'rule-updated', ruleId: id, version: rule.version, by: options().by });
      return withTag(created ? 201 : 200, rule);
    }
    if (one && method === 'PATCH') {
      const rule = await catalog.patch(id, parseJsonBody(bodyText(request)), options());
      return withTag(200, rule);
    }
    if (one && method === 'DELETE') {
      await catalog.delete(id, options());
      log.info('rule changed', { audit: 'rule-deleted', ruleId: id, by: options().by });
      return { statusCode: 204, headers: {}, body: '' };
    }
    if ((resource === '/rules/{id}/trigger' || resource === '/rules/test/trigger') && method === 'POST' && deps.fire !== undefined) {
      const ruleId = resource === '/rules/test/trigger' ? 'test' : id;
      const { event, duplicate } = await triggerSchedule(
        ruleId,
        catalog.ruleSet.rules.find((rule) => rule.id === ruleId),
        deps.fire,
      );
      log.info('rule triggered', { audit: 'rule-triggered', ruleId, eventId: event.id, by: changedByOf(request) });
      return json(202, duplicate ? { id: event.id, duplicate: true } : { id: event.id });
    }
    if ((resource === '/rules/{id}/history' || resource === '/rules/test/history') && method === 'GET') {
      return json(200, await catalog.history(resource === '/rules/test/history' ? 'test' : id));
    }
    throw new NotFoundError(`no route for ${method} ${request.path}`);
  };

  return async (request) => {
    try {
      return await answer(request);
    } catch (error) {
      return errorAnswer(error, request, log, deps.metrics);
    }
  };
}
