/**
 * The execution action API behind API Gateway (REST, Lambda proxy, IAM auth): `POST /executions/{name}/stop` and
 * `POST /executions/{name}/redrive` — core's `ExecutionActions`, as the embedded engine runs them, acting through
 * `SfnWorkflowControl` — and the bulk actions `POST /executions/actions`, `GET|DELETE /executions/actions/{actionId}`,
 * recorded in the replay job store and run by the bulk action driver. The caller's IAM principal is recorded as who
 * acted, and each action is logged for audit.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { parseBulkActionRequest } from '../../core/app/bulk-action-request.js';
import type { BulkActions } from '../../core/app/bulk-actions.js';
import type { ExecutionActions } from '../../core/app/execution-actions.js';
import { NotFoundError } from '../../core/errors.js';
import { parseJsonBody } from '../../core/envelope.js';
import type { PowertoolsMetricsSink } from '../powertools-engine-metrics.js';
import { logger as sharedLogger } from '../wiring/powertools.js';
import { bodyText, callerOf, errorAnswer, json, pathParameter } from './api-gateway.js';

export interface ExecutionActionsHttpDeps {
  actions: Pick<ExecutionActions, 'stop' | 'redrive'>;
  /** Bulk actions; unset: their routes answer 404. */
  bulk?: Pick<BulkActions, 'start' | 'get' | 'cancel'>;
  /** Starts the driver of a recorded bulk action (one driver execution per action, named after it). */
  driver?: { start(actionId: string): Promise<void> };
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
  metrics?: PowertoolsMetricsSink;
}

export type ExecutionActionsHttpHandler = (request: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

/**
 * The handler without middlewares.
 * @example const answer = await createExecutionActionsHandler({ actions, bulk, driver })(apiGatewayEvent)
 */
export function createExecutionActionsHandler(deps: ExecutionActionsHttpDeps): ExecutionActionsHttpHandler {
  const log = deps.logger ?? sharedLogger;
  const answer = async (request: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const by = callerOf(request).principals[0] ?? 'unknown';
    const { resource, httpMethod: method } = request;
    if (method === 'POST' && resource === '/executions/{name}/stop') {
      const name = pathParameter(request, 'name');
      const { execution } = await deps.actions.stop(name, by);
      log.info('execution stopped', { audit: 'execution-stopped', caller: by, executionName: name, status: execution.status });
      return json(200, execution);
    }
    if (method === 'POST' && resource === '/executions/{name}/redrive') {
      const name = pathParameter(request, 'name');
      const { execution, outcome } = await deps.actions.redrive(name, by);
      log.info('execution redriven', { audit: 'execution-redriven', caller: by, executionName: name, outcome });
      return json(200, { ...execution, outcome });
    }
    const { bulk, driver } = deps;
    if (bulk !== undefined && driver !== undefined) {
      if (method === 'POST' && resource === '/executions/actions') {
        const view = await bulk.start(parseBulkActionRequest(parseJsonBody(bodyText(request))));
        // Recorded first, then driven: a driver that fails to start leaves a job `GET` shows running and a retry of
        // the start (the same name) picks up.
        if (view.status === 'running') await driver.start(view.actionId);
        log.info('bulk action started', {
          audit: 'bulk-action-started',
          caller: by,
          actionId: view.actionId,
          action: view.action,
          matched: view.matched,
          dryRun: view.dryRun,
        });
        return json(202, { actionId: view.actionId, status: view.status, matched: view.matched, ...(view.dryRun ? { sample: view.sample } : {}) });
      }
      if (method === 'GET' && resource === '/executions/actions/{actionId}') return json(200, await bulk.get(pathParameter(request, 'actionId')));
      if (method === 'DELETE' && resource === '/executions/actions/{actionId}') {
        const view = await bulk.cancel(pathParameter(request, 'actionId'));
        log.info('bulk action cancelled', { audit: 'bulk-action-cancelled', caller: by, actionId: view.actionId, status: view.status });
        return json(200, view);
      }
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
