/** API Gateway REST (v1) Lambda proxy events, as API Gateway builds them for the routes of `Ingestion`. */
import type { APIGatewayProxyEvent } from 'aws-lambda';

export interface ProxyRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** The API resource, e.g. `/events/{id}`. */
  resource: string;
  /** The concrete path; defaults to the resource with path parameters filled in. */
  path?: string;
  pathParameters?: Record<string, string>;
  /** A string is sent as it is; anything else is sent as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
}

/** A proxy event for one request. */
export function apiGatewayEvent(request: ProxyRequest): APIGatewayProxyEvent {
  const path =
    request.path ?? Object.entries(request.pathParameters ?? {}).reduce((p, [name, value]) => p.replace(`{${name}}`, encodeURIComponent(value)), request.resource);
  const body = request.body === undefined ? null : typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
  const headers = { 'content-type': 'application/json', ...request.headers };
  return {
    resource: request.resource,
    path,
    httpMethod: request.method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
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
        accessKey: null, accountId: null, apiKey: null, apiKeyId: null, caller: null, clientCert: null,
        cognitoAuthenticationProvider: null, cognitoAuthenticationType: null, cognitoIdentityId: null,
        cognitoIdentityPoolId: null, principalOrgId: null, sourceIp: '127.0.0.1', user: null,
        userAgent: 'vitest', userArn: null,
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

/** POST /events with this body. */
export const postEvent = (body: unknown): APIGatewayProxyEvent => apiGatewayEvent({ method: 'POST', resource: '/events', body });

/** GET /events/{id}. */
export const getEvent = (id: string): APIGatewayProxyEvent =>
  apiGatewayEvent({ method: 'GET', resource: '/events/{id}', pathParameters: { id } });
