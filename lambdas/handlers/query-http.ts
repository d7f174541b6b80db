/**
 * The query Lambda behind API Gateway (lib/ingestion.ts): `GET /events`, the correlation timeline
 * and the execution records, read-only. The adapter is lambdas/aws/http/query-http.ts.
 */
import { createQueryHandler } from '../aws/http/query-http.js';
import { lambdaHandler } from '../aws/lambda-handler.js';
import { queryDepsFromEnv } from '../aws/wiring/query.js';

/** The Lambda entry point. */
export const handler = lambdaHandler(queryDepsFromEnv, createQueryHandler);
