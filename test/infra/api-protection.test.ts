import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { EdweStack } from '../../lib/edwe-stack.js';
import { EngineConfigError } from '../../lib/engine-sources.js';
import { PROJECT_ROOT } from '../../lib/lambda-defaults.js';
import { defaultPaths, loadProject } from '../../lambdas/project/load-project.js';
import { cdkContext, functionIdByService } from '../support/cdk.js';
import { anEdweStack, API_KEY_SETTINGS } from '../support/stacks.js';
import { App } from 'aws-cdk-lib';

type Resource = { Properties: Record<string, any> };

/** The API Gateway method of this HTTP method on the resource whose logical id is `resource` plus CDK's hash. */
function methodOn(template: Template, httpMethod: string, resource: string): Resource {
  const found = Object.values(template.findResources('AWS::ApiGateway::Method')).filter(
    (m) => m.Properties.HttpMethod === httpMethod && new RegExp(`^${resource}[0-9A-F]{8}$`).test(String(m.Properties.ResourceId?.Ref)),
  );
  if (found.length !== 1) throw new Error(`${found.length} ${httpMethod} methods on ${resource}`);
  return found[0] as Resource;
}

/** An app with cdk.json's context plus `context`, bundling nothing. */
const appWith = (context: Record<string, unknown>) => new App({ context: { ...cdkContext(), 'aws:cdk:bundling-stacks': [], ...context } });
const project = () => loadProject(defaultPaths(PROJECT_ROOT));

describe('the API with IAM (the default) and an access policy', () => {
  let template: Template;
  beforeAll(() => {
    template = Template.fromStack(
      anEdweStack(
        'Guarded',
        { access: { callers: [{ principal: 'arn:aws:iam::123456789012:role/Shop', sources: ['shop.*'] }] } },
        'event_sources:\n  - type: webhook\n    endpoints: [/webhooks/github]',
      ),
    );
  });

  it('requires SigV4 on every method and no API key', () => {
    for (const method of Object.values(template.findResources('AWS::ApiGateway::Method'))) {
      expect(method.Properties).toMatchObject({ AuthorizationType: 'AWS_IAM' });
      expect(method.Properties.ApiKeyRequired).toBeFalsy();
    }
    template.resourceCountIs('AWS::ApiGateway::UsagePlan', 0);
  });

  it('throttles the stage, logs its errors without request data, and traces it', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'v1',
      TracingEnabled: true,
      MethodSettings: [
        Match.objectLike({
          HttpMethod: '*',
          ResourcePath: '/*',
          ThrottlingRateLimit: 500,
          ThrottlingBurstLimit: 1000,
          LoggingLevel: 'ERROR',
          DataTraceEnabled: false,
          MetricsEnabled: true,
        }),
      ],
    });
  });

  it('writes a JSON access log line per request, with the caller and the X-Ray trace id, to an encrypted group', () => {
    const [stage] = Object.values(template.findResources('AWS::ApiGateway::Stage')) as Resource[];
    const setting = stage?.Properties.AccessLogSetting;

    expect(JSON.stringify(setting.DestinationArn)).toMatch(/":log-group:",\{"Ref":"IngestionAccessLogs[0-9A-F]{8}"\}/);
    expect(JSON.parse(setting.Format)).toMatchObject({
      requestId: '$context.requestId',
      userArn: '$context.identity.userArn',
      apiKeyId: '$context.identity.apiKeyId',
      status: '$context.status',
      xrayTraceId: '$context.xrayTraceId',
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: Match.anyValue(), RetentionInDays: 30 });
  });

  it("leaves the account's CloudWatch role for API Gateway alone by default: one per account and region, which two stacks would overwrite", () => {
    template.resourceCountIs('AWS::ApiGateway::Account', 0);
  });

  it('logs no value a request can put quotes into (the error message): every line stays valid JSON', () => {
    const [stage] = Object.values(template.findResources('AWS::ApiGateway::Stage')) as Resource[];
    const format = JSON.parse(stage?.Properties.AccessLogSetting.Format) as Record<string, string>;

    expect(Object.values(format).filter((value) => /error\.message|identity\.userAgent|requestOverride|\$input/.test(value))).toEqual([]);
    expect(format.error).toBe('$context.error.responseType');
  });

  it('validates the body of POST /events and of each webhook path against the events model before the Lambda runs', () => {
    const validators = Object.entries(template.findResources('AWS::ApiGateway::RequestValidator'));
    expect(validators).toHaveLength(1);
    const [validatorId, validator] = validators[0] as [string, Resource];
    expect(validator.Properties).toMatchObject({ ValidateRequestBody: true });

    for (const resource of ['IngestionApievents', 'IngestionApiwebhooksgithub']) {
      expect(methodOn(template, 'POST', resource).Properties).toMatchObject({
        RequestValidatorId: { Ref: validatorId },
        RequestModels: { $default: { Ref: expect.stringMatching(/^IngestionApiEventsBody/) } },
      });
    }
    expect(methodOn(template, 'GET', 'IngestionApievents').Properties.RequestValidatorId).toBeUndefined();
  });

  it('models an ingest body as one event (an object), or 1 to 500 objects, bare or under "events"', () => {
    const [model] = Object.values(template.findResources('AWS::ApiGateway::Model')) as Resource[];

    expect(model?.Properties.ContentType).toBe('$default');
    expect(model?.Properties.Schema).toMatchObject({
      $schema: 'http://json-schema.org/draft-04/schema#',
      type: ['object', 'array'],
      minProperties: 1,
      minItems: 1,
      maxItems: 500,
      items: { type: 'object' },
      properties: {
        events: { type: 'array', minItems: 1, maxItems: 500, items: { type: 'object' } },
        type: { type: 'string', minLength: 1, maxLength: 256 },
        source: { type: 'string', minLength: 1, maxLength: 256 },
      },
    });
  });

  it("answers the gateway's own refusals in the contract's error shape", () => {
    for (const [type, status, code] of [
      ['BAD_REQUEST_BODY', '400', 'validation_error'],
      ['ACCESS_DENIED', '403', 'forbidden'],
      ['MISSING_AUTHENTICATION_TOKEN', '403', 'unauthorized'],
      ['THROTTLED', '429', 'throttled'],
      ['REQUEST_TOO_LARGE', '413', 'payload_too_large'],
    ]) {
      template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: type,
        StatusCode: status,
        ResponseTemplates: { 'application/json': `{"error":"${code}","message":$context.error.messageString,"details":[]}` },
      });
    }
  });

  it('hands the ingest function the access policy, each caller with the sources it may publish', () => {
    const ingest = template.findResources('AWS::Lambda::Function')[functionIdByService(template, 'edwe-ingest')] as Resource;

    expect(JSON.parse(ingest.Properties.Environment.Variables.ACCESS_POLICY)).toEqual({
      callers: [{ principal: 'arn:aws:iam::123456789012:role/Shop', sources: ['shop.*'] }],
    });
  });
});

describe('the API with API keys (auth: api-key)', () => {
  let stack: EdweStack;
  let template: Template;
  beforeAll(() => {
    stack = anEdweStack('Keyed', API_KEY_SETTINGS);
    template = Template.fromStack(stack);
  });

  it('requires an API key instead of SigV4 on every method, /replays included', () => {
    const methods = Object.values(template.findResources('AWS::ApiGateway::Method'));
    expect(methods.some((m) => String(m.Properties.ResourceId?.Ref).includes('replays'))).toBe(true);
    for (const method of methods) expect(method.Properties).toMatchObject({ AuthorizationType: 'NONE', ApiKeyRequired: true });
  });

  it('makes a usage plan on the stage with the throttle and the quota, and one key per caller named by apiKey', () => {
    template.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      Throttle: { RateLimit: 500, BurstLimit: 1000 },
      Quota: { Limit: 100_000, Period: 'DAY' },
      ApiStages: [Match.objectLike({ Stage: { Ref: Match.stringLikeRegexp('^IngestionApiDeploymentStage') } })],
    });
    template.resourceCountIs('AWS::ApiGateway::ApiKey', 1);
    template.resourceCountIs('AWS::ApiGateway::UsagePlanKey', 1);
    template.hasOutput('ApiKeyIdshop', { Value: { Ref: Match.stringLikeRegexp('^IngestionApiKeyshop') } });
  });

  it('maps each caller to its sources in ACCESS_POLICY: the key by its id, the role by its ARN', () => {
    const ingest = template.findResources('AWS::Lambda::Function')[functionIdByService(template, 'edwe-ingest')] as Resource;
    const policy = JSON.stringify(ingest.Properties.Environment.Variables.ACCESS_POLICY);

    expect(policy).toMatch(/IngestionApiKeyshop/);
    expect(policy).toContain('shop.*');
    expect(policy).toContain('arn:aws:iam::123456789012:role/Crm');
  });
});

describe('API settings from cdk.json context', () => {
  it('takes the stage throttle from edwe:throttle (given as JSON text on the command line)', () => {
    const template = Template.fromStack(new EdweStack(appWith({ 'edwe:throttle': '{"rateLimit":50,"burstLimit":100}' }), 'Throttled', { project: project() }));

    template.hasResourceProperties('AWS::ApiGateway::Stage', { MethodSettings: [Match.objectLike({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 })] });
  });

  it("sets the account's CloudWatch role for API Gateway with edwe:apiCloudWatchRole true (one stack per account and region)", () => {
    const template = Template.fromStack(new EdweStack(appWith({ 'edwe:apiCloudWatchRole': true }), 'OwnsAccount', { project: project() }));

    template.resourceCountIs('AWS::ApiGateway::Account', 1);
    template.hasResourceProperties('AWS::ApiGateway::Account', { CloudWatchRoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^IngestionApiCloudWatchRole'), 'Arn'] } });
  });

  it('refuses a bad setting at synth, naming the context key and the field', () => {
    const synth = (context: Record<string, unknown>) => () => new EdweStack(appWith(context), 'Bad', { project: project() });

    expect(synth({ 'edwe:throttle': '{"rateLimit":-1,"burstLimit":10}' })).toThrow(EngineConfigError);
    expect(synth({ 'edwe:throttle': '{"rateLimit":-1,"burstLimit":10}' })).toThrow(/edwe:throttle\.rateLimit: /);
    expect(synth({ 'edwe:auth': 'basic' })).toThrow(/edwe:auth: /);
    expect(synth({ 'edwe:logRetentionDays': 8 })).toThrow(/edwe:logRetentionDays: must be one of CloudWatch Logs' retention periods/);
    expect(synth({ 'edwe:access': { callers: [{ apiKey: 'shop', sources: ['shop'] }] } })).toThrow(/edwe:access\.callers\.0\.apiKey: needs auth: api-key/);
    expect(synth({ 'edwe:access': { callers: [{ principal: 'arn:*:x', sources: ['a'] }] } })).toThrow(/edwe:access\.callers\.0/);
  });
});
