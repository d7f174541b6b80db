/**
 * The replay API Lambda behind API Gateway (lib/replay.ts): `POST /replays` starts a replay,
 * `GET /replays/{replayId}` shows it, `DELETE` cancels it. The adapter is lambdas/aws/http/replays-http.ts.
 */
import { createReplaysHandler } from '../aws/http/replays-http.js';
import { lambdaHandler } from '../aws/lambda-handler.js';
import { replaysDepsFromEnv } from '../aws/wiring/replay.js';

/** The Lambda entry point. */
export const handler = lambdaHandler(replaysDepsFromEnv, createReplaysHandler);
