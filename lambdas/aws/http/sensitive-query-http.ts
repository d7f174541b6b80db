/**
 * The revealing reads behind API Gateway (docs/security.md, "Reading sealed fields on AWS"): `GET /sensitive/events`,
 * `GET /sensitive/events/{id}` and `GET /sensitive/correlations/{correlationId}` answer as their plain routes do, with
 * the encrypted fields opened. IAM cannot see a query flag or a header, so revealing has its own method ARNs — and its
 * own function, the only one of the API whose role may `kms:Decrypt` a field's data key.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
// Deep imports, not core's index: this bundle carries the KMS client besides.
import { EngineQueries, NO_EXECUTIONS, type EngineQueriesDeps } from '../../core/app/queries.js';
import { NotFoundError } from '../../core/errors.js';
import type { FieldEncryption } from '../../core/field-encryption.js';
import { SENSITIVE_PATH } from '../../layout/sensitive-reads.js';
import { logger as sharedLogger } from '../wiring/powertools.js';
import { errorAnswer, json, pathParameter } from './api-gateway.js';

const SENSITIVE_PREFIX = `/${SENSITIVE_PATH}`;

export interface SensitiveQueryDeps {
  events: EngineQueriesDeps['events'];
  /** The State table's execution records, for the executions of a timeline; without them a timeline holds only events. */
  executions?: EngineQueriesDeps['executions'];
  /** Opens the sealed fields (KMS data keys bound to the Events table). */
  fields: Pick<FieldEncryption, 'reveal'>;
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
  metrics?: Pick<Metrics, 'addMetric'>;
}

export type SensitiveQueryHandler = (request: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

/**
 * The revealing read handler without middlewares.
 * @example const answer = await createSensitiveQueryHandler({ events: store, fields })(apiGatewayEvent)
 */
export function createSensitiveQueryHandler(deps: SensitiveQueryDeps): SensitiveQueryHandler {
  const log = deps.logger ?? sharedLogger;
  const queries = new EngineQueries({ events: deps.events, executions: deps.executions ?? NO_EXECUTIONS, fields: deps.fields });
  const parameters = (request: APIGatewayProxyEvent) => (request.queryStringParameters ?? {}) as Record<string, string>;
  const revealing = { revealSensitive: true };

  return async (request) => {
    try {
      if (request.httpMethod === 'GET') {
        switch (request.resource) {
          case `${SENSITIVE_PREFIX}/events`:
            return json(200, await queries.events(parameters(request), revealing));
          case `${SENSITIVE_PREFIX}/events/{id}`:
            return json(200, await queries.event(pathParameter(request, 'id'), revealing));
          case `${SENSITIVE_PREFIX}/correlations/{correlationId}`:
            return json(200, await queries.correlation(pathParameter(request, 'correlationId'), parameters(request), revealing));
        }
      }
      throw new NotFoundError(`no route for ${request.httpMethod} ${request.path}`);
    } catch (error) {
      return errorAnswer(error, request, log, deps.metrics);
    }
  };
}
