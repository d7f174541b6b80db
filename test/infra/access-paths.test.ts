/**
 * The stack as AWS evaluates it (docs/access-paths.md): every call the deployed system makes —
 * each function's runtime calls (lambdas/aws/wiring/runtime-calls.ts) and the calls AWS services
 * make on its behalf — is allowed by the synthesized policies (identity ∩ resource policy, the key
 * policy with the encryption context), and what must not happen is denied. Evaluated by
 * @cloud-copilot/iam-simulate over the template resolved for one account and region.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { RUNTIME_CALLS } from '../../lambdas/aws/wiring/runtime-calls.js';
import { ALL_SOURCES, anEdweStack, SCHEDULE_RULES } from '../support/stacks.js';
import { AccessModel, type AccessRequest } from './support/access-model.js';
import { DEPLOYMENT } from './support/cfn-resolve.js';
import {
  alarmPaths,
  apiGatewayPaths,
  apiMethods,
  busPaths,
  eventBridgePaths,
  lambdaServicePaths,
  logSubscriptionPaths,
  logsPaths,
  schedulerPaths,
  stepFunctionsPaths,
} from './support/service-paths.js';
import type { CfnTemplate } from './support/cfn-resolve.js';
import { deniedRequests, functionWithKey, NEVER_OPEN, opensField, recoveryProblems, refused, roleRequests, timeoutProblems } from './support/access-checks.js';
import { ENV } from '../../lambdas/layout/environment.js';
import { STATE_TABLE } from '../../lambdas/layout/state-table.js';

/** The requests of `requests` whose decision is not `expected`, as `label: decision` lines. */
async function notAs(model: AccessModel, requests: AccessRequest[], expected: 'Allowed' | 'Denied'): Promise<string[]> {
  const wrong: string[] = [];
  for (const request of requests) {
    const decision = await model.evaluate(request);
    const denied = decision === 'ImplicitlyDenied' || decision === 'ExplicitlyDenied';
    if (expected === 'Allowed' ? decision !== 'Allowed' : !denied) wrong.push(`${request.label}: ${decision}`);
  }
  return wrong;
}

/** Every function's runtime calls, and every call AWS services make for the engine. */
function allPaths(model: AccessModel): Record<string, AccessRequest[]> {
  return {
    functions: model.idsOf('AWS::Lambda::Function').flatMap((id) => model.functionRequests(id)),
    'Step Functions → task functions and the key': stepFunctionsPaths(model),
    'CloudWatch Logs → the key': logsPaths(model),
    'CloudWatch Logs subscriptions → the lifecycle function': logSubscriptionPaths(model),
    'CloudWatch alarms → the topic': alarmPaths(model),
    'EventBridge rules → targets and dead-letter queues': eventBridgePaths(model),
    'EventBridge bus → the key and its dead-letter queue': busPaths(model),
    'Lambda mappings and async invocations → streams and on-failure queues': lambdaServicePaths(model),
    'API Gateway → functions': apiGatewayPaths(model),
    'EventBridge Scheduler → its role, the ingest function and its dead-letter queue': schedulerPaths(model),
  };
}

const clone = (template: CfnTemplate): CfnTemplate => structuredClone(template);

describe('access paths: every source, IAM-signed API', () => {
  let template: CfnTemplate;
  let model: AccessModel;

  beforeAll(() => {
    template = Template.fromStack(anEdweStack(DEPLOYMENT.stackName, {}, ALL_SOURCES, SCHEDULE_RULES)).toJSON() as CfnTemplate;
    model = new AccessModel(template);
    // A synth of every source takes a while on a busy machine.
  }, 180_000);

  it('knows the runtime calls of every function of the stack (a new function must say what it calls)', () => {
    const unknown = model
      .idsOf('AWS::Lambda::Function')
      .map((id) => model.functionKey(id))
      .filter((key) => !key.startsWith('edwe-task:') || key in RUNTIME_CALLS)
      .filter((key) => !(key in RUNTIME_CALLS));

    expect(unknown).toEqual([]);
  });

  it.each([
    'functions',
    'Step Functions → task functions and the key',
    'CloudWatch Logs → the key',
    'CloudWatch Logs subscriptions → the lifecycle function',
    'CloudWatch alarms → the topic',
    'EventBridge rules → targets and dead-letter queues',
    'EventBridge bus → the key and its dead-letter queue',
    'Lambda mappings and async invocations → streams and on-failure queues',
    'API Gateway → functions',
    'EventBridge Scheduler → its role, the ingest function and its dead-letter queue',
  ])('allows %s', async (group) => {
    const requests = allPaths(model)[group] ?? [];
    expect(requests.length).toBeGreaterThan(0);

    expect(await notAs(model, requests, 'Allowed')).toEqual([]);
  });

  it('denies what must not happen', async () => {
    const requests = deniedRequests(model);
    expect(requests.length).toBeGreaterThan(5);

    expect(await notAs(model, requests, 'Denied')).toEqual([]);
  });

  it('lets each documented role (publisher, operator, rules admin, sensitive reader) call its own routes', async () => {
    const apiId = model.resolver.resolve({ Ref: model.idsOf('AWS::ApiGateway::RestApi')[0] }) as string;
    const invoke = (method: string, path: string) => `arn:${DEPLOYMENT.partition}:execute-api:${DEPLOYMENT.region}:${DEPLOYMENT.account}:${apiId}/v1/${method}${path}`;
    const requests = roleRequests(model, invoke, 'Allowed');
    expect(requests.map((r) => r.label)).toEqual(
      expect.arrayContaining([
        'the rules-admin role → PUT /rules/example',
        'the operator role → POST /rules/test',
        'the sensitive-reader role → GET /sensitive/events/example',
      ]),
    );

    expect(await notAs(model, requests, 'Allowed')).toEqual([]);
  });

  it('gives every workflow execution an end (its settings’ timeout) and keeps every Kinesis record readable after its batch failed', () => {
    expect(timeoutProblems(template)).toEqual([]);
    expect(recoveryProblems(model)).toEqual([]);
  });

  it('lets EventBridge Scheduler assume the schedules’ role for the engine’s schedule group only', async () => {
    const [assume] = schedulerPaths(model);
    const groupArn = String(assume?.context?.['aws:SourceArn']);
    const otherGroup = {
      ...assume,
      label: 'another schedule group',
      context: { 'aws:SourceArn': groupArn.replace(/[^/]+$/, 'someone-elses'), 'aws:SourceAccount': DEPLOYMENT.account },
    };
    const otherService = { ...assume, label: 'another service', caller: { service: 'events.amazonaws.com' } };

    expect(await notAs(model, [otherGroup, otherService] as AccessRequest[], 'Denied')).toEqual([]);
  });

  it('lets only the sweeper (the correlation metrics pass) read the correlation activity index, and no ingest write a correlation’s activity', async () => {
    const activityIndex = { env: ENV.STATE_TABLE, index: STATE_TABLE.byActivity.indexName } as const;
    const readIndex = { action: 'dynamodb:Query', on: activityIndex, why: 'read the correlation activity index' };
    const requests = [
      ...refused(model, 'edwe-router', readIndex),
      ...refused(model, 'edwe-query', readIndex, 'edwe-router'),
      ...refused(
        model,
        'edwe-ingest',
        { action: 'dynamodb:UpdateItem', on: { env: ENV.STATE_TABLE }, context: { 'dynamodb:LeadingKeys': [`${STATE_TABLE.prefix.correlation}x`] }, why: 'count activity' },
        'edwe-router',
      ),
    ];
    expect(requests).toHaveLength(3);

    expect(await notAs(model, requests, 'Denied')).toEqual([]);
  });

  it('lets the functions that never open a field use the key as DynamoDB does for them, asked through DynamoDB only, and not open a field without their deny', async () => {
    const withoutDeny = clone(template);
    for (const resource of Object.values(withoutDeny.Resources)) {
      if (resource.Type !== 'AWS::IAM::Policy') continue;
      const document = resource.Properties.PolicyDocument;
      document.Statement = document.Statement.filter((statement: { Sid?: string }) => statement.Sid !== 'NeverOpenFields');
    }
    const bare = new AccessModel(withoutDeny);
    const tableKeyUses = NEVER_OPEN.flatMap((key) =>
      model.functionRequests(functionWithKey(model, key)).filter((r) => r.action === 'kms:Decrypt' && String(r.context?.['kms:ViaService']).startsWith('dynamodb.')),
    );
    // The same calls made to KMS directly, as code holding the role's credentials could.
    const direct = tableKeyUses.map(({ context, ...request }) => {
      const { 'kms:ViaService': _via, ...rest } = context ?? {};
      return { ...request, label: `${request.label}, asked of KMS directly`, context: rest };
    });

    expect(new Set(tableKeyUses.map((r) => r.label.split(' ')[0]))).toEqual(new Set(NEVER_OPEN));
    expect(await notAs(model, tableKeyUses, 'Allowed')).toEqual([]);
    expect(await notAs(model, direct, 'Denied')).toEqual([]);
    expect(
      await notAs(
        bare,
        NEVER_OPEN.flatMap((key) => opensField(bare, key)),
        'Denied',
      ),
    ).toEqual([]);
  });

  it('exposes every API method to API Gateway’s own invocation only', () => {
    expect(apiMethods(model).filter((m) => m.functionArn === undefined)).toEqual([]);
  });

  it('lets CloudWatch Logs invoke the lifecycle function for the Express log groups only when the function’s policy says so', async () => {
    const broken = clone(template);
    for (const [id, resource] of Object.entries(broken.Resources))
      if (resource.Type === 'AWS::Lambda::Permission' && resource.Properties?.Principal === 'logs.amazonaws.com') delete broken.Resources[id];
    const brokenModel = new AccessModel(broken);

    const refused = await notAs(brokenModel, logSubscriptionPaths(brokenModel), 'Allowed');

    expect(refused).toEqual([expect.stringMatching(/log-group:.*send_confirmation.* → lambda:InvokeFunction .*: ImplicitlyDenied$/)]);
  });

  describe('fails for each bug of the first review, reintroduced', () => {
    it('workflow state machines without a name: the executions may not use the key', async () => {
      const broken = clone(template);
      for (const resource of Object.values(broken.Resources))
        if (resource.Type === 'AWS::StepFunctions::StateMachine' && resource.Properties?.DefinitionSubstitutions?.ReplayPageFunctionArn === undefined)
          delete resource.Properties.StateMachineName;
      const brokenModel = new AccessModel(broken);

      const refused = await notAs(brokenModel, stepFunctionsPaths(brokenModel), 'Allowed');

      expect(refused.length).toBeGreaterThan(0);
      expect(refused.every((line) => line.includes('kms:'))).toBe(true);
    });

    it('a definition without its top-level TimeoutSeconds: an execution may run for a year', () => {
      const broken = clone(template);
      for (const resource of Object.values(broken.Resources)) {
        if (resource.Type !== 'AWS::StepFunctions::StateMachine') continue;
        const definition = resource.Properties?.DefinitionString;
        resource.Properties.DefinitionString = JSON.parse(JSON.stringify(definition).replace(/,?\\n {2}\\"TimeoutSeconds\\": \d+/, ''));
      }

      expect(timeoutProblems(broken)).not.toEqual([]);
    });

    it('an alarm topic policy with only the TLS deny: CloudWatch may not publish', async () => {
      const broken = clone(template);
      for (const resource of Object.values(broken.Resources)) {
        if (resource.Type !== 'AWS::SNS::TopicPolicy') continue;
        resource.Properties.PolicyDocument.Statement = resource.Properties.PolicyDocument.Statement.filter((s: { Effect: string }) => s.Effect === 'Deny');
      }
      const brokenModel = new AccessModel(broken);

      const refused = await notAs(brokenModel, alarmPaths(brokenModel), 'Allowed');

      expect(refused.filter((line) => line.includes('sns:Publish')).length).toBe(Object.keys(brokenModel.idsOf('AWS::CloudWatch::Alarm')).length);
    });

    it("the query function's key grant without its conditions (through DynamoDB, for the tables): the plain reads could open a sealed field", async () => {
      const broken = clone(template);
      for (const resource of Object.values(broken.Resources)) {
        if (resource.Type !== 'AWS::IAM::Policy') continue;
        for (const statement of resource.Properties.PolicyDocument.Statement) if (statement.Sid === 'KeyViaDynamoDB') delete statement.Condition;
      }
      const brokenModel = new AccessModel(broken);

      const allowed = await notAs(brokenModel, deniedRequests(brokenModel), 'Denied');

      expect(allowed).toEqual(["edwe-query → kms:Decrypt of a field's data key: Allowed"]);
    });

    it('a stream kept no longer than its records are retried: a dropped batch cannot be read back', () => {
      const broken = clone(template);
      for (const resource of Object.values(broken.Resources)) if (resource.Type === 'AWS::Kinesis::Stream') resource.Properties.RetentionPeriodHours = 24;

      expect(recoveryProblems(new AccessModel(broken))).not.toEqual([]);
    });
  });
});
