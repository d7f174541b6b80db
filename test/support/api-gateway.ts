/** API Gateway REST (v1) Lambda proxy events, as API Gateway builds them for the routes of `Ingestion`. */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';

export interface ProxyRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The API resource, e.g. `/events/{id}`. */
  resource: string;
  /** The concrete path; defaults to the resource with path parameters filled in. */
  path?: string;
  pathParameters?: Record<string, string>;
  /** A string is sent as it is; anything else is sent as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Query-string parameters, as API Gateway passes them (decoded; the last value of a repeated name). */
  query?: Record<string, string>;
}

/** A proxy event for one request. */
export function apiGatewayEvent(request: ProxyRequest): APIGatewayProxyEvent {
  const path = request.path ?? Object.entries(request.pathParameters ?? {}).reduce((p, [name, value]) => p.replace(`{${name}}`, encodeURIComponent(value)), request.resource);
  const body = request.body === undefined ? null : typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
  const headers = { 'content-type': 'application/json', ...request.headers };
  return {
    resource: request.resource,
    path,
    httpMethod: request.method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: request.query ?? null,
    multiValueQueryStringParameters: request.query === undefined ? null : Object.fromEntries(Object.entries(request.query).map(([k, v]) => [k, [v]])),
    pathParameters: request.pathParameters ?? null,
    stageVariables: null,
    body,
    isBase64Encoded: false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abcdef1234',
      authorizer: null,
      protocol: 'HTTP/1.1',
      httpMethod: request.method,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: '127.0.0.1',
        user: null,
        userAgent: 'vitest',
        userArn: null,
      },
      path: `/v1${path}`,
      stage: 'v1',
      requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      requestTimeEpoch: Date.now(),
      resourceId: 'abc123',
      resourcePath: request.resource,
    },
  };
}

/** A handler's answer body, parsed. */
export const bodyOf = (answer: APIGatewayProxyResult) => JSON.parse(answer.body) as Record<string, any>;

/** A body for POST /events: a premium user registers (no id or timestamp unless `overrides` give them). */
export const aRegistration = (overrides: Record<string, unknown> = {}) => ({
  type: 'user_registration',
  source: 'web-signup',
  data: { userId: 'u-1', user_type: 'premium' },
  ...overrides,
});

/** POST /events with this body (and headers, e.g. a CloudEvents content type). */
export const postEvent = (body: unknown, headers?: Record<string, string>): APIGatewayProxyEvent =>
  apiGatewayEvent({ method: 'POST', resource: '/events', body, ...(headers === undefined ? {} : { headers }) });

/** GET /events with these query parameters. */
export const listEvents = (query: Record<string, string> = {}): APIGatewayProxyEvent => apiGatewayEvent({ method: 'GET', resource: '/events', query });

/** GET /correlations/{correlationId}. */
export const getCorrelation = (correlationId: string): APIGatewayProxyEvent =>
  apiGatewayEvent({ method: 'GET', resource: '/correlations/{correlationId}', pathParameters: { correlationId } });

/** GET /events/{id}. */
export const getEvent = (id: string): APIGatewayProxyEvent => apiGatewayEvent({ method: 'GET', resource: '/events/{id}', pathParameters: { id } });

/** GET /executions with these query parameters. */
export const listExecutions = (query: Record<string, string> = {}): APIGatewayProxyEvent => apiGatewayEvent({ method: 'GET', resource: '/executions', query });

/** GET /executions/{name}. */
export const getExecution = (name: string): APIGatewayProxyEvent => apiGatewayEvent({ method: 'GET', resource: '/executions/{name}', pathParameters: { name } });

/** The request as API Gateway passes it when it identified the caller: an IAM principal (SigV4) and/or an API key. */
export function withCaller(request: APIGatewayProxyEvent, caller: { userArn?: string; apiKeyId?: string }): APIGatewayProxyEvent {
  const { identity } = request.requestContext;
  return {
    ...request,
    requestContext: { ...request.requestContext, identity: { ...identity, userArn: caller.userArn ?? null, apiKeyId: caller.apiKeyId ?? null } },
  };
}
