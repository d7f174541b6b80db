/**
 * The replay API behind API Gateway (REST, Lambda proxy), DESIGN §4: `POST /replays` validates the
 * request (core `parseReplayRequest`: times, retention, workflow, types), records the job in the
 * State table and starts the replay driver; `GET /replays/{replayId}` shows it; `DELETE` cancels it.
 * An invalid request answers 400 naming each problem, and nothing is recorded or started.
 */
import { randomBytes } from 'node:crypto';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { Logger } from '@aws-lambda-powertools/logger';
import { SFNClient } from '@aws-sdk/client-sfn';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { z } from 'zod';
import type { DynamoDbReplayJobStore, StoredReplayJob } from '../aws/dynamodb-replay-job-store.js';
import { DEFAULT_RETENTION_DAYS } from '../layout/events-table.js';
import { SfnReplayDriver } from '../aws/sfn-replay-driver.js';
import {
  newReplayJob,
  NotFoundError,
  parseJsonBody,
  parseReplayRequest,
  replayView,
  ulid,
  ValidationError,
  type Clock,
  type ReplayRequest,
  type RuleSet,
} from '../core/index.js';
import { bodyText, callerOf, errorAnswer, json, pathParameter } from './api-gateway.js';
import { parseEnv, requiredVar } from './env.js';
import { count, type EngineMetrics } from './metric-names.js';
import { logger as sharedLogger, metrics as sharedMetrics, tracer } from './powertools.js';
import { bundledRuleSet, RateCeilingEnv, replayJobsFrom, StateTableEnv } from './replay-wiring.js';

/** What the replay API needs; tests pass their own. */
export interface ReplaysHttpDeps {
  jobs: Pick<DynamoDbReplayJobStore, 'create' | 'get' | 'cancel' | 'finish'>;
  driver: { start(replayId: string): Promise<void> };
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

/** The job as the API shows it: core's view, plus the refused entries recorded, when there are any. */
export function jobView(stored: StoredReplayJob): Record<string, unknown> {
  return { ...replayView(stored.job), ...(stored.failures.length > 0 ? { failures: stored.failures } : {}) };
}

/**
 * The replay API handler without middlewares.
 * @example const answer = await createReplaysHandler({ jobs, driver, ruleSet, workflows, retentionDays: 30 })(apiGatewayEvent)
 */
export function createReplaysHandler(deps: ReplaysHttpDeps): ReplaysHttpHandler {
  const log = deps.logger ?? sharedLogger;
  const clock = deps.clock ?? { now: Date.now };
  const newId = deps.newId ?? (() => ulid(clock.now(), randomBytes(10)));

  const parse = (body: unknown): ReplayRequest => {
    const request = parseReplayRequest(body, { now: clock.now(), retentionDays: deps.retentionDays, workflows: deps.workflows, ruleSet: deps.ruleSet });
    const ceiling = deps.maxRatePerSecond;
    if (ceiling !== undefined && request.ratePerSecond !== undefined && request.ratePerSecond > ceiling) {
      const message = `must be at most ${ceiling}: this deployment's replay ceiling, which keeps replays inside the account's PutEvents quota`;
      throw new ValidationError(`Invalid replay: ratePerSecond: ${message}`, [{ path: 'ratePerSecond', message }]);
    }
    return request;
  };

  const start = async (request: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const replay = parse(parseJsonBody(bodyText(request)));
    const now = clock.now();
    const job = newReplayJob(newId(), replay, new Date(now).toISOString());
    await deps.jobs.create(job, Math.floor(now / 1000) + deps.retentionDays * 86_400);
    try {
      await deps.driver.start(job.replayId);
    } catch (error) {
      // A job nothing drives must not look as if it were running.
      await deps.jobs.finish(job.replayId, 0, 'failed', new Date(clock.now()).toISOString(), `the replay driver could not be started: ${(error as Error).message}`);
      throw error;
    }
    // An audit entry: who replayed what (issue 7).
    log.info('replay started', { audit: 'replay-started', caller: callerOf(request).principals, replayId: job.replayId, ...replay });
    count(deps.metrics, 'ReplaysStarted');
    return json(202, { replayId: job.replayId });
  };

  const show = async (request: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const replayId = pathParameter(request, 'replayId');
    const stored = await deps.jobs.get(replayId);
    if (stored === undefined) throw new NotFoundError(`No replay with id "${replayId}"`);
    return json(200, jobView(stored));
  };

  const cancel = async (request: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const replayId = pathParameter(request, 'replayId');
    const stored = await deps.jobs.cancel(replayId, new Date(clock.now()).toISOString());
    log.info('replay cancel requested', { audit: 'replay-cancelled', caller: callerOf(request).principals, replayId, status: stored.job.status });
    count(deps.metrics, 'ReplaysCancelled');
    return json(200, jobView(stored));
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

const ReplaysEnv = StateTableEnv.extend(RateCeilingEnv.shape).extend({
  REPLAY_DRIVER_ARN: requiredVar(),
  RETENTION_DAYS: z.coerce.number({ error: 'must be a number of days' }).int().positive().default(DEFAULT_RETENTION_DAYS),
  /** Comma-separated workflow ids. */
  WORKFLOW_IDS: requiredVar().transform((text) => new Set(text.split(',').map((id) => id.trim()).filter((id) => id !== ''))),
});

/** The production dependencies, from the environment the `Replay` construct sets and the bundled rules. */
export function replaysDepsFromEnv(env: Record<string, string | undefined> = process.env, rulesJson?: string): ReplaysHttpDeps {
  const config = parseEnv(ReplaysEnv, env);
  return {
    jobs: replayJobsFrom(config),
    driver: new SfnReplayDriver({ client: tracer.captureAWSv3Client(new SFNClient({})), stateMachineArn: config.REPLAY_DRIVER_ARN }),
    ruleSet: bundledRuleSet(rulesJson),
    workflows: config.WORKFLOW_IDS,
    retentionDays: config.RETENTION_DAYS,
    ...(config.REPLAY_MAX_RATE === undefined ? {} : { maxRatePerSecond: config.REPLAY_MAX_RATE }),
    logger: sharedLogger,
    metrics: sharedMetrics,
  };
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
