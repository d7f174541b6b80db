/**
 * The rules API Lambda behind API Gateway (lib/rules-api.ts): `GET /rules`, `GET/PUT/PATCH/DELETE /rules/{id}`,
 * `GET /rules/{id}/history` and the backtest `POST /rules/test`. The adapter is lambdas/aws/http/rules-http.ts.
 */
import { createRulesHandler } from '../aws/http/rules-http.js';
import { lambdaHandler } from '../aws/lambda-handler.js';
import { rulesDepsFromEnv } from '../aws/wiring/rules.js';

/** The Lambda entry point. */
export const handler = lambdaHandler(() => rulesDepsFromEnv(), createRulesHandler);
