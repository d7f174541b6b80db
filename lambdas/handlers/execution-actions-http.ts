/**
 * The execution actions API Lambda behind API Gateway (lib/execution-actions-api.ts): `POST /executions/{name}/stop|redrive`
 * and the bulk actions `POST /executions/actions`, `GET|DELETE /executions/actions/{actionId}`. The adapter is
 * lambdas/aws/http/execution-actions-http.ts.
 */
import { createExecutionActionsHandler } from '../aws/http/execution-actions-http.js';
import { lambdaHandler } from '../aws/lambda-handler.js';
import { executionActionsDepsFromEnv } from '../aws/wiring/execution-actions.js';

/** The Lambda entry point. */
export const handler = lambdaHandler(() => executionActionsDepsFromEnv(), createExecutionActionsHandler);
