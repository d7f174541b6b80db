/**
 * What guards the engine's REST API before a Lambda runs: the stage's throttling, tracing,
 * execution and JSON access logs; a JSON-schema model and request validator for the ingest routes;
 * the gateway's own error answers in the HTTP contract's shape (`{error, message, details}`); and,
 * with API keys, a usage plan with its keys.
 */
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/** Requests per second over the stage, and the burst above it. */
export interface ThrottleSettings {
  readonly rateLimit: number;
  readonly burstLimit: number;
}

/** The most entries one `POST /events` carries (the contract's batch limit, as in core `MAX_BATCH_ENTRIES`). */
const MAX_ENTRIES = 500;
/** The envelope's limit on `type` and `source` (see README.md, HTTP API). */
const MAX_NAME = 256;

/**
 * One access log line per request, as JSON: who called (IAM ARN, API key id, IP), what, the answer,
 * the latencies, the X-Ray trace id (so that a request can be followed into the trace) and the kind
 * of API Gateway's own refusal, if it refused the request. Every value is one API Gateway writes
 * without quotes or backslashes (ids, ARNs, numbers, enums), so every line is valid JSON.
 */
export const ACCESS_LOG_FORMAT = `{${[
  ['requestId', '$context.requestId'],
  ['time', '$context.requestTime'],
  ['ip', '$context.identity.sourceIp'],
  ['userArn', '$context.identity.userArn'],
  ['apiKeyId', '$context.identity.apiKeyId'],
  ['method', '$context.httpMethod'],
  ['resource', '$context.resourcePath'],
  ['path', '$context.path'],
  ['status', '$context.status'],
  ['responseLength', '$context.responseLength'],
  ['latencyMs', '$context.responseLatency'],
  ['integrationLatencyMs', '$context.integrationLatency'],
  ['xrayTraceId', '$context.xrayTraceId'],
  // The kind of refusal (ACCESS_DENIED, BAD_REQUEST_BODY, …): an enum, where the error's message may
  // quote the caller's input and break the line's JSON. The message itself is in the answer to the caller.
  ['error', '$context.error.responseType'],
]
  .map(([name, value]) => `"${name}":"${value}"`)
  .join(',')}}`;

/** The stage: traced, metrics on, execution logs for errors (no request data), JSON access logs, throttled. */
export function stageOptions(throttle: ThrottleSettings, accessLogs: logs.ILogGroup): apigw.StageOptions {
  return {
    stageName: 'v1',
    tracingEnabled: true,
    metricsEnabled: true,
    loggingLevel: apigw.MethodLoggingLevel.ERROR,
    dataTraceEnabled: false,
    throttlingRateLimit: throttle.rateLimit,
    throttlingBurstLimit: throttle.burstLimit,
    accessLogDestination: new apigw.LogGroupLogDestination(accessLogs),
    accessLogFormat: apigw.AccessLogFormat.custom(ACCESS_LOG_FORMAT),
  };
}

/**
 * The model of an ingest body — one event (an object), an array of 1 to 500 objects, or
 * `{events: [...]}` — and a validator that checks it before the Lambda runs. Entries are only
 * required to be objects: an invalid entry of a batch is the Lambda's to report at its index.
 * API Gateway cannot measure bytes: the 256 KiB per event and 6 MB per body limits are the Lambda's.
 */
export function ingestBodyValidation(api: apigw.RestApi): { model: apigw.Model; validator: apigw.RequestValidator } {
  const entries: apigw.JsonSchema = { type: apigw.JsonSchemaType.ARRAY, minItems: 1, maxItems: MAX_ENTRIES, items: { type: apigw.JsonSchemaType.OBJECT } };
  const name: apigw.JsonSchema = { type: apigw.JsonSchemaType.STRING, minLength: 1, maxLength: MAX_NAME };
  const model = api.addModel('EventsBody', {
    // Any content type: CloudEvents clients send application/cloudevents+json and application/cloudevents-batch+json.
    contentType: '$default',
    modelName: 'EdweEventsBody',
    description: 'POST /events: one event, an array of 1 to 500 events, or {"events": [...]}',
    schema: {
      schema: apigw.JsonSchemaVersion.DRAFT4,
      title: 'EdweEventsBody',
      type: [apigw.JsonSchemaType.OBJECT, apigw.JsonSchemaType.ARRAY],
      // For an object (one event, or the wrapper):
      minProperties: 1,
      properties: { events: entries, type: name, source: name },
      // For an array:
      minItems: 1,
      maxItems: MAX_ENTRIES,
      items: { type: apigw.JsonSchemaType.OBJECT },
    },
  });
  const validator = api.addRequestValidator('EventsBodyValidator', { validateRequestBody: true, validateRequestParameters: true });
  return { model, validator };
}

/** The gateway's own refusals in the contract's error shape; the message is API Gateway's. */
export function contractErrorResponses(api: apigw.RestApi): void {
  const answers: Array<[string, apigw.ResponseType, string, string]> = [
    ['BadRequestBody', apigw.ResponseType.BAD_REQUEST_BODY, '400', 'validation_error'],
    ['BadRequestParameters', apigw.ResponseType.BAD_REQUEST_PARAMETERS, '400', 'validation_error'],
    ['Unauthorized', apigw.ResponseType.UNAUTHORIZED, '401', 'unauthorized'],
    ['MissingAuthenticationToken', apigw.ResponseType.MISSING_AUTHENTICATION_TOKEN, '403', 'unauthorized'],
    ['InvalidSignature', apigw.ResponseType.INVALID_SIGNATURE, '403', 'unauthorized'],
    ['ExpiredToken', apigw.ResponseType.EXPIRED_TOKEN, '403', 'unauthorized'],
    ['AccessDenied', apigw.ResponseType.ACCESS_DENIED, '403', 'forbidden'],
    ['InvalidApiKey', apigw.ResponseType.INVALID_API_KEY, '403', 'forbidden'],
    ['RequestTooLarge', apigw.ResponseType.REQUEST_TOO_LARGE, '413', 'payload_too_large'],
    ['Throttled', apigw.ResponseType.THROTTLED, '429', 'throttled'],
    ['QuotaExceeded', apigw.ResponseType.QUOTA_EXCEEDED, '429', 'quota_exceeded'],
    ['Default4xx', apigw.ResponseType.DEFAULT_4XX, '400', 'refused'],
    ['Default5xx', apigw.ResponseType.DEFAULT_5XX, '500', 'internal_error'],
  ];
  for (const [id, type, statusCode, code] of answers) {
    api.addGatewayResponse(id, {
      type,
      // The defaults keep their own status (a 4xx default is whichever 4xx it answers).
      ...(type === apigw.ResponseType.DEFAULT_4XX || type === apigw.ResponseType.DEFAULT_5XX ? {} : { statusCode }),
      templates: { 'application/json': `{"error":"${code}","message":$context.error.messageString,"details":[]}` },
    });
  }
}

/**
 * The usage plan of API-key access: the stage's throttle per key, the quota if any, and one key per
 * name (its value is generated; `aws apigateway get-api-key --api-key <id> --include-value` reads it).
 */
export function createUsagePlan(
  scope: Construct,
  api: apigw.RestApi,
  options: { throttle: ThrottleSettings; quota?: { limit: number; period: 'DAY' | 'WEEK' | 'MONTH' }; keyNames: readonly string[] },
): { plan: apigw.UsagePlan; keys: Map<string, apigw.IApiKey> } {
  const plan = api.addUsagePlan('UsagePlan', {
    description: 'edwe: callers with an API key',
    throttle: options.throttle,
    ...(options.quota === undefined ? {} : { quota: { limit: options.quota.limit, period: apigw.Period[options.quota.period] } }),
  });
  plan.addApiStage({ stage: api.deploymentStage });
  const keys = new Map<string, apigw.IApiKey>();
  for (const name of options.keyNames) {
    const key = new apigw.ApiKey(scope, `ApiKey-${name}`, { description: `edwe caller ${name}`, enabled: true });
    plan.addApiKey(key);
    keys.set(name, key);
  }
  return { plan, keys };
}
