/**
 * The rules API's contract driver for the AWS home (test/e2e/rules-api.scenarios.ts): each call goes where API Gateway
 * sends it — IAM first (the caller's role policies from lib/api-roles.ts, evaluated by @cloud-copilot/iam-simulate on
 * the route's method ARN), then the Lambda proxy integration of the route's function, built by its production wiring
 * on moto — and routing is the router reading the Events table's stream.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { expect } from 'vitest';
import { createIngestHandler } from '../../../lambdas/aws/http/ingest-http.js';
import { createQueryHandler } from '../../../lambdas/aws/http/query-http.js';
import { createRulesHandler } from '../../../lambdas/aws/http/rules-http.js';
import { createRouterHandler } from '../../../lambdas/aws/streams/router.js';
import { ingestDepsFromEnv } from '../../../lambdas/aws/wiring/ingest.js';
import { queryDepsFromEnv } from '../../../lambdas/aws/wiring/query.js';
import { routingDepsFromEnv } from '../../../lambdas/aws/wiring/routing.js';
import { rulesDepsFromEnv } from '../../../lambdas/aws/wiring/rules.js';
import { type ApiRole, apiRoleStatement } from '../../../lib/api-roles.js';
import { apiGatewayEvent, type ProxyRequest, withCaller } from '../../support/api-gateway.js';
import type { Answer, Role, RulesApiDriver } from '../../e2e/rules-api.scenarios.js';
import { ACCOUNT, REGION, type AwsClients } from './aws-clients.js';
import type { EngineResources } from './resources.js';
import { ROUTER_EVENT_SOURCE, ROUTER_STREAM_FILTER } from './resources.js';
import { createStreamPoller } from './stream-poller.js';

/** The REST API and stage the proxy events name (test/support/api-gateway.ts). */
const API_ID = 'abcdef1234';
const STAGE = 'v1';

/**
 * The documented roles each caller holds. `publisher` is the scenarios' caller that publishes events and reads rules
 * but may not change them: on AWS that takes the publisher role (POST /events) and the operator role (reading rules).
 */
const ROLES: Record<Role, readonly ApiRole[]> = { admin: ['rules-admin', 'publisher', 'operator'], publisher: ['publisher', 'operator'] };

/** The signed-in identity API Gateway passes on (`requestContext.identity.userArn`): a session of the caller's IAM role. */
const callerArn = (role: Role): string => `arn:aws:sts::${ACCOUNT}:assumed-role/edwe-contract-${role}/rules-api-contract`;

/** A RestApi's `arnForExecuteApi` as CDK builds it, for this account, region and API. */
const api = {
  arnForExecuteApi: (method = '*', path = '/*', stage = '*') => `arn:aws:execute-api:${REGION}:${ACCOUNT}:${API_ID}/${stage}/${method.toUpperCase()}${path}`,
};

/** Each caller's identity policy: the statements `apiRoleStatement` gives a deployer to attach, as synthesized. */
const POLICIES: Record<Role, { Version: string; Statement: unknown[] }> = {
  admin: { Version: '2012-10-17', Statement: ROLES.admin.map((role) => apiRoleStatement(role, api, STAGE).toStatementJson()) },
  publisher: { Version: '2012-10-17', Statement: ROLES.publisher.map((role) => apiRoleStatement(role, api, STAGE).toStatementJson()) },
};

/** IAM's decision on `execute-api:Invoke` of one method ARN. */
async function invokeAllowed(role: Role, methodArn: string): Promise<boolean> {
  const response = await runSimulation(
    {
      request: { principal: callerArn(role), action: 'execute-api:Invoke', resource: { resource: methodArn, accountId: ACCOUNT }, contextVariables: {} },
      identityPolicies: [{ name: `edwe-contract-${role}`, policy: POLICIES[role] }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (response.resultType !== 'single') throw new Error(`simulating ${methodArn}: ${JSON.stringify(response).slice(0, 600)}`);
  return response.overallResult === 'Allowed';
}

type Handler = (request: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;
type Target = 'rules' | 'ingest' | 'query';

/** The API's resources: a path's resource (with its parameters) and the function its methods integrate with. */
const RESOURCES: ReadonlyArray<{ resource: string; pattern: RegExp; names: string[]; target: (method: string) => Target }> = [
  { resource: '/rules', pattern: /^\/rules$/, names: [], target: () => 'rules' },
  { resource: '/rules/test', pattern: /^\/rules\/test$/, names: [], target: () => 'rules' },
  { resource: '/rules/{id}/history', pattern: /^\/rules\/([^/]+)\/history$/, names: ['id'], target: () => 'rules' },
  { resource: '/rules/{id}/trigger', pattern: /^\/rules\/([^/]+)\/trigger$/, names: ['id'], target: () => 'rules' },
  { resource: '/rules/{id}', pattern: /^\/rules\/([^/]+)$/, names: ['id'], target: () => 'rules' },
  { resource: '/events', pattern: /^\/events$/, names: [], target: (method) => (method === 'POST' ? 'ingest' : 'query') },
  { resource: '/events/{id}', pattern: /^\/events\/([^/]+)$/, names: ['id'], target: () => 'ingest' },
  { resource: '/executions', pattern: /^\/executions$/, names: [], target: () => 'query' },
  { resource: '/executions/{name}', pattern: /^\/executions\/([^/]+)$/, names: ['name'], target: () => 'query' },
  { resource: '/correlations/{correlationId}', pattern: /^\/correlations\/([^/]+)$/, names: ['correlationId'], target: () => 'query' },
];

/** The proxy event API Gateway builds for `method path?query`, or undefined when no resource of the API matches. */
function proxyRequest(method: string, target: string, body: unknown, headers: Record<string, string>): { request: ProxyRequest; handler: Target } | undefined {
  const url = new URL(target, 'https://api.example');
  for (const { resource, pattern, names, target: to } of RESOURCES) {
    const match = pattern.exec(url.pathname);
    if (match === null) continue;
    const pathParameters = Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(match[i + 1] as string)]));
    const query = Object.fromEntries(url.searchParams);
    return {
      handler: to(method),
      request: {
        method: method as ProxyRequest['method'],
        resource,
        path: url.pathname,
        ...(names.length === 0 ? {} : { pathParameters }),
        ...(Object.keys(query).length === 0 ? {} : { query }),
        body,
        headers,
      },
    };
  }
  return undefined;
}

/** A handler's result as an HTTP answer. */
function answerOf(result: APIGatewayProxyResult): Answer {
  const headers = new Headers();
  for (const [name, value] of Object.entries(result.headers ?? {})) headers.set(name, String(value));
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) for (const value of values) headers.append(name, String(value));
  return { status: result.statusCode, body: result.body === '' ? undefined : JSON.parse(result.body), headers };
}

/** API Gateway's own answer to a request IAM denied (the integration is not called). */
const denied = (role: Role, methodArn: string): Answer => ({
  status: 403,
  body: { Message: `User: ${callerArn(role)} is not authorized to perform: execute-api:Invoke on resource: ${methodArn}` },
  headers: new Headers({ 'content-type': 'application/json', 'x-amzn-errortype': 'AccessDeniedException' }),
});

/**
 * The driver over `engine`'s resources on moto, the router refreshing managed rules every `refreshSeconds`.
 * @example const driver = awsRulesApiDriver(aws, await createEngineResources(aws), 1)
 */
export function awsRulesApiDriver(aws: AwsClients, engine: EngineResources, refreshSeconds: number): RulesApiDriver {
  const rulesJson = JSON.stringify(engine.project.rules);
  const handlers: Record<Target, Handler> = {
    rules: createRulesHandler(rulesDepsFromEnv(engine.env.rulesApi, rulesJson)),
    ingest: createIngestHandler(ingestDepsFromEnv(engine.env.ingestHttp)),
    query: createQueryHandler(queryDepsFromEnv(engine.env.query)),
  };
  const router = createStreamPoller({
    client: aws.streams,
    streamArn: engine.eventsTable.streamArn,
    handler: createRouterHandler(routingDepsFromEnv({ ...engine.env.router, RULE_REFRESH_SECONDS: String(refreshSeconds) }, rulesJson)),
    filter: ROUTER_STREAM_FILTER,
    batchSize: ROUTER_EVENT_SOURCE.batchSize,
    retryAttempts: ROUTER_EVENT_SOURCE.retryAttempts,
  });
  const filesRule = engine.project.rules[0];
  if (filesRule === undefined) throw new Error('the project deploys no rule file: the scenarios need a rule of the files layer');
  const driver: RulesApiDriver = {
    adminName: callerArn('admin'),
    filesRuleId: filesRule.id,
    // EXPRESS on the project's workflows: it ends by itself.
    workflow: 'send_confirmation',
    forbidden: expect.objectContaining({ Message: expect.stringContaining('is not authorized to perform: execute-api:Invoke') }),
    async call(method, target, { body, headers = {}, as = 'admin' } = {}) {
      const routed = proxyRequest(method, target, body, headers);
      const methodArn = api.arnForExecuteApi(method, new URL(target, 'https://api.example').pathname, STAGE);
      if (!(await invokeAllowed(as, methodArn))) return denied(as, methodArn);
      // An allowed method that the API does not have: API Gateway's missing-authentication answer.
      if (routed === undefined) return { status: 403, body: { message: 'Missing Authentication Token' }, headers: new Headers() };
      return answerOf(await handlers[routed.handler](withCaller(apiGatewayEvent(routed.request), { userArn: callerArn(as) })));
    },
    // The router takes up a change of the managed layer within the refresh bound.
    applied: () => new Promise((resolve) => setTimeout(resolve, refreshSeconds * 1000 + 200)),
    async executionsOf(eventId, count) {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const drained = await router.drain();
        expect(drained.flatMap((invocation) => invocation.failures)).toEqual([]);
        const { body } = await driver.call('GET', `/executions?eventId=${encodeURIComponent(eventId)}`);
        if (body.executions.length >= count) return body.executions;
        if (Date.now() > deadline) throw new Error(`no ${count} executions of ${eventId}: ${JSON.stringify(body)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
  };
  return driver;
}
