/**
 * The replay API behind API Gateway (REST, Lambda proxy): `POST /replays` validates the request
 * (times, retention, workflow, types, the rate ceiling), records the job in the State table and
 * starts the replay driver; `GET /replays/{replayId}` shows it; `DELETE` cancels it — core's
 * `ReplayJobs`, as the embedded engine runs it. An invalid request answers 400 naming each
 * problem, and nothing is recorded or started.
 */
import { randomBytes } from 'node:crypto';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { replayApiFromEnv } from '../aws/wiring/replay.js';
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
} from '../core/index.js';
import { bodyText, callerOf, errorAnswer, json, pathParameter } from './api-gateway.js';
import { count, type EngineMetrics } from './metric-names.js';
import { logger as sharedLogger, metrics as sharedMetrics, tracer } from './powertools.js';

/** What the replay API needs; tests pass their own. */
export interface ReplaysHttpDeps {
  jobs: Pick<ReplayJobStore, 'create' | 'get' | 'cancel' | 'finish'>;
  driver: ReplayDriver;
  ruleSet: RuleSet;
  /** Every deployed workflow id (a workflow no rule targets is known, and matches nothing). */
  workflows: ReadonlySet<string>;
  retentionDays: number;
  /** The deployment's ceiling in entries per second: a request above it is refused. */
  maxRatePerSecond?: number;
  clock?: Clock;
  newId?: () => string;
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
  metrics?: EngineMetrics;
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
  const context = { retentionDays: deps.retentionDays, workflows: deps.workflows, ruleSet: deps.ruleSet, ...(deps.maxRatePerSecond === undefined ? {} : { maxRatePerSecond: deps.maxRatePerSecond }) };

  const start = async (request: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const replay = parseReplayStart(parseJsonBody(bodyText(request)), { now: clock.now(), ...context });
    const job = await replays.start(replay);
    // An audit entry: who replayed what.
    log.info('replay started', { audit: 'replay-started', caller: callerOf(request).principals, replayId: job.replayId, ...replay });
    count(deps.metrics, 'ReplaysStarted');
    return json(202, { replayId: job.replayId });
  };

  const show = async (request: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    return json(200, replayJobView(await replays.get(pathParameter(request, 'replayId'))));
  };

  const cancel = async (request: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const replayId = pathParameter(request, 'replayId');
    const stored = await replays.cancel(replayId);
    log.info('replay cancel requested', { audit: 'replay-cancelled', caller: callerOf(request).principals, replayId, status: stored.job.status });
    count(deps.metrics, 'ReplaysCancelled');
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

/** The production dependencies: the AWS wiring from the environment the `Replay` construct sets and the bundled rules. */
export function replaysDepsFromEnv(env: Record<string, string | undefined> = process.env, rulesJson?: string): ReplaysHttpDeps {
  return { ...replayApiFromEnv(env, rulesJson), logger: sharedLogger, metrics: sharedMetrics };
}

// Built on the first invocation, not at import: tests import this module without a Lambda environment.
let wired: ReplaysHttpHandler | undefined;

/** The Lambda entry point. */
export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>(async (request: APIGatewayProxyEvent) => {
  wired ??= createReplaysHandler(replaysDepsFromEnv());
  return wired(request);
})
  .use(injectLambdaContext(sharedLogger))
  .use(captureLambdaHandler(tracer))
  .use(logMetrics(sharedMetrics, { captureColdStartMetric: true }));
