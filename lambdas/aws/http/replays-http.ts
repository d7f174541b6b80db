/**
 * The replay API adapter behind API Gateway (REST, Lambda proxy): `POST /replays` validates the
 * request (times, retention, workflow, types, the rate ceiling), records the job in the State table
 * and starts the replay driver; `GET /replays/{replayId}` shows it; `DELETE` cancels it — core's
 * `ReplayJobs`, as the embedded engine runs it. An invalid request answers 400 naming each
 * problem, and nothing is recorded or started.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import {
  NotFoundError,
  parseJsonBody,
  parseReplayStart,
  ReplayJobs,
  replayJobView,
  ulid,
  type Clock,
  type ReplayDriver,
  type ReplayJobStore,
  type RuleSet,
} from '../../core/index.js';
import { emitCount, type PowertoolsMetricsSink } from '../powertools-engine-metrics.js';
import { logger as sharedLogger } from '../wiring/powertools.js';
import { bodyText, callerOf, errorAnswer, json, pathParameter } from './api-gateway.js';

/** What the replay API needs; tests pass their own. */
export interface ReplaysHttpDeps {
  jobs: Pick<ReplayJobStore, 'create' | 'get' | 'cancel' | 'finish'>;
  driver: ReplayDriver;
  ruleSet: RuleSet;
  /** Brings `ruleSet` up to date with the managed layer before a request is checked against it. */
  refreshRules?: () => Promise<void>;
  /** The deployment keeps the managed rules' history, so a job may ask for `"rules": "as-of-event"`. */
  rulesAsOfEvent?: boolean;
  /** Every deployed workflow id (a workflow no rule targets is known, and matches nothing). */
  workflows: ReadonlySet<string>;
  retentionDays: number;
  /** The deployment's ceiling in entries per second: a request above it is refused. */
  maxRatePerSecond?: number;
  clock?: Clock;
  newId?: () => string;
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
  metrics?: PowertoolsMetricsSink;
}

export type ReplaysHttpHandler = (request: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

/**
 * The replay API handler without middlewares.
 * @example const answer = await createReplaysHandler({ jobs, driver, ruleSet, workflows, retentionDays: 30 })(apiGatewayEvent)
 */
export function createReplaysHandler(deps: ReplaysHttpDeps): ReplaysHttpHandler {
  const log = deps.logger ?? sharedLogger;
  const clock = deps.clock ?? { now: Date.now };
  const newId = deps.newId ?? (() => ulid(clock.now(), randomBytes(10)));

  const replays = new ReplayJobs({ jobs: deps.jobs, driver: deps.driver, clock, newId, retentionDays: deps.retentionDays });
  const context = {
    retentionDays: deps.retentionDays,
    workflows: deps.workflows,
    ruleSet: deps.ruleSet,
    rulesAsOfEvent: deps.rulesAsOfEvent === true,
    ...(deps.maxRatePerSecond === undefined ? {} : { maxRatePerSecond: deps.maxRatePerSecond }),
  };

  const start = async (request: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    await deps.refreshRules?.();
    const replay = parseReplayStart(parseJsonBody(bodyText(request)), { now: clock.now(), ...context });
    const job = await replays.start(replay);
    // An audit entry: who replayed what.
    log.info('replay started', { audit: 'replay-started', caller: callerOf(request).principals, replayId: job.replayId, ...replay });
    emitCount(deps.metrics, 'ReplaysStarted');
    return json(202, { replayId: job.replayId });
  };

  const show = async (request: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    return json(200, replayJobView(await replays.get(pathParameter(request, 'replayId'))));
  };

  const cancel = async (request: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const replayId = pathParameter(request, 'replayId');
    const stored = await replays.cancel(replayId);
    log.info('replay cancel requested', { audit: 'replay-cancelled', caller: callerOf(request).principals, replayId, status: stored.job.status });
    emitCount(deps.metrics, 'ReplaysCancelled');
    return json(200, replayJobView(stored));
  };

  return async (request) => {
    try {
      if (request.resource === '/replays' && request.httpMethod === 'POST') return await start(request);
      if (request.resource === '/replays/{replayId}' && request.httpMethod === 'GET') return await show(request);
      if (request.resource === '/replays/{replayId}' && request.httpMethod === 'DELETE') return await cancel(request);
      throw new NotFoundError(`no route for ${request.httpMethod} ${request.path}`);
    } catch (error) {
      return errorAnswer(error, request, log, deps.metrics);
    }
  };
}
