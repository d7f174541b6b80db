/**
 * The revealing reads behind API Gateway (lib/sensitive-reads.ts): `GET /sensitive/events`, `/sensitive/events/{id}` and
 * `/sensitive/correlations/{id}`, with sealed fields opened. The adapter is lambdas/aws/http/sensitive-query-http.ts.
 */
import { createSensitiveQueryHandler } from '../aws/http/sensitive-query-http.js';
import { lambdaHandler } from '../aws/lambda-handler.js';
import { sensitiveQueryDepsFromEnv } from '../aws/wiring/sensitive-query.js';

/** The Lambda entry point. */
export const handler = lambdaHandler(sensitiveQueryDepsFromEnv, createSensitiveQueryHandler);
