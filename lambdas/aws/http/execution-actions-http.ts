/**
 * The execution action API behind API Gateway (REST, Lambda proxy, IAM auth): `POST /executions/{name}/stop` and
 * `POST /executions/{name}/redrive` — core's `ExecutionActions`, as the embedded engine runs them, acting through
 * `SfnWorkflowControl`. The caller's IAM principal is recorded as who acted, and each action is logged for audit.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { NotFoundError, type ExecutionActions } from '../../core/index.js';
import type { PowertoolsMetricsSink } from '../powertools-engine-metrics.js';
import { logger as sharedLogger } from '../wiring/powertools.js';
import { callerOf, errorAnswer, json, pathParameter } from './api-gateway.js';

export interface ExecutionActionsHttpDeps {
  actions: Pick<ExecutionActions, 'stop' | 'redrive'>;
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
  metrics?: PowertoolsMetricsSink;
}

export type ExecutionActionsHttpHandler = (request: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

/**
 * The handler without middlewares.
 * @example const answer = await createExecutionActionsHandler({ actions })(apiGatewayEvent)
 */
export function createExecutionActionsHandler(deps: ExecutionActionsHttpDeps): ExecutionActionsHttpHandler {
  const log = deps.logger ?? sharedLogger;
  return async (request) => {
    try {
      const name = pathParameter(request, 'name');
      const by = callerOf(request).principals[0] ?? 'unknown';
      if (request.httpMethod === 'POST' && request.resource === '/executions/{name}/stop') {
        const { execution } = await deps.actions.stop(name, by);
        log.info('execution stopped', { audit: 'execution-stopped', caller: by, executionName: name, status: execution.status });
        return json(200, execution);
      }
      if (request.httpMethod === 'POST' && request.resource === '/executions/{name}/redrive') {
        const { execution, outcome } = await deps.actions.redrive(name, by);
        log.info('execution redriven', { audit: 'execution-redriven', caller: by, executionName: name, outcome });
        return json(200, { ...execution, outcome });
      }
      throw new NotFoundError(`no route for ${request.httpMethod} ${request.path}`);
    } catch (error) {
      return errorAnswer(error, request, log, deps.metrics);
    }
  };
}
