import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ALL_SOURCES, anEdweStack } from '../support/stacks.js';

type Resource = { Properties: Record<string, any> };

/** Each function by its Powertools service name (built-in tasks as `edwe-task:<file>`): its environment and its role's statements. */
function functionsOf(template: Template): Map<string, { env: Record<string, unknown>; statements: Array<Record<string, any>> }> {
  const policies = Object.values(template.findResources('AWS::IAM::Policy')) as Resource[];
  const functions = Object.values(template.findResources('AWS::Lambda::Function')) as Resource[];
  const found = new Map<string, { env: Record<string, unknown>; statements: Array<Record<string, any>> }>();
  for (const fn of functions) {
    const env = (fn.Properties.Environment?.Variables ?? {}) as Record<string, unknown>;
    const service = String(env.POWERTOOLS_SERVICE_NAME ?? '');
    const name = service === 'edwe-task' ? `edwe-task:${String(fn.Properties.Description ?? '').replace('edwe task ', '')}` : service;
    const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const statements = policies
      .filter((p) => (p.Properties.Roles as Array<{ Ref?: string }>).some((role) => role.Ref === roleId))
      .flatMap((p) => p.Properties.PolicyDocument.Statement);
    if (service) found.set(name, { env, statements });
  }
  return found;
}

describe('field encryption on AWS (event_sourcing.encrypt configured)', () => {
  let functions: ReturnType<typeof functionsOf>;
  let template: Template;
  beforeAll(() => {
    template = Template.fromStack(anEdweStack('Sealed', {}, ALL_SOURCES));
    functions = functionsOf(template);
  }, 180_000);

  // Stop and redrive store lifecycle events as the lifecycle does (seal), and an Express redrive starts the original input again (open).
  const actions = ['edwe-execution-actions', 'edwe-bulk-action-step'];
  // The rules API seals what it appends (audit events, a schedule's manual fire), as ingest does.
  const sealers = [
    'edwe-ingest',
    'edwe-ingest-eventbridge',
    'edwe-ingest-kinesis',
    'edwe-ingest-kafka',
    'edwe-lifecycle',
    'edwe-task:emit-event',
    'edwe-rules-api',
    ...actions,
  ];
  // Neither seal nor open: the key only through DynamoDB, SQS, EventBridge and Step Functions (lib/encryption.ts grantKeyUseVia).
  const neither = ['edwe-replay', 'edwe-replays-api', 'edwe-task:wait-for-event'];
  // The HTTP ingest opens too: its fast path (on by default) hands the events it sealed to their workflows.
  // The revealing reads (GET /sensitive/events…) open fields for a caller; the plain reads' function does not.
  const openers = [
    'edwe-ingest',
    'edwe-flow-wake',
    'edwe-router',
    'edwe-sweeper',
    'edwe-replay-start',
    'edwe-lifecycle',
    'edwe-task:emit-event',
    'edwe-query-sensitive',
    ...actions,
  ];

  it('hands the encrypt entries and the key to every function that seals or opens fields, and to no other', () => {
    const configured = [...functions].filter(([, f]) => f.env.FIELD_ENCRYPTION !== undefined && f.env.FIELD_KEY_ARN !== undefined).map(([name]) => name);

    expect(configured.sort()).toEqual([...new Set([...sealers, ...openers])].sort());
    for (const name of configured) {
      expect(JSON.parse(String(functions.get(name)?.env.FIELD_ENCRYPTION))).toEqual([{ eventType: 'user_registration', fields: ['data.email'] }]);
      expect(functions.get(name)?.env.FIELD_KEY_ARN).toBeDefined();
    }
  });

  it('lets the rules API seal with the key, and not open: it checks managed rules against the entries and seals what it appends', () => {
    const rulesApi = functions.get('edwe-rules-api');

    expect(JSON.parse(String(rulesApi?.env.FIELD_ENCRYPTION))).toEqual([{ eventType: 'user_registration', fields: ['data.email'] }]);
    expect(rulesApi?.env.FIELD_KEY_ARN).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^EventStoreKey/), 'Arn'] });
    expect(rulesApi?.statements.filter((s) => s.Sid === 'FieldEncryptionDataKeys').map((s) => s.Action)).toEqual(['kms:GenerateDataKey']);
    expect(rulesApi?.statements.filter((s) => s.Sid === 'NeverOpenFields').map((s) => s.Effect)).toEqual(['Deny']);
  });

  it('holds the key for the functions that neither seal nor open only through the services that keep their data', () => {
    for (const name of [...neither, 'edwe-rules-api']) {
      const keyGrants = (functions.get(name)?.statements ?? []).filter(
        (s) => s.Effect === 'Allow' && JSON.stringify(s.Action).includes('kms:') && s.Sid !== 'FieldEncryptionDataKeys',
      );

      expect(keyGrants.length, name).toBeGreaterThan(0);
      for (const grant of keyGrants) {
        expect(grant.Sid, name).toMatch(/^KeyVia/);
        expect(grant.Condition.StringEquals['kms:ViaService'], name).toEqual({
          'Fn::Join': ['', [expect.stringMatching(/^(dynamodb|sqs|states|events)\.$/), { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]],
        });
        expect(grant.Condition.StringEquals['kms:CallerAccount'], name).toEqual({ Ref: 'AWS::AccountId' });
      }
    }
  });

  it('allows the data-key calls only with the encryption context of this stack’s Events table', () => {
    for (const [name, fn] of functions) {
      const grants = fn.statements.filter((s) => s.Sid === 'FieldEncryptionDataKeys');
      if (!sealers.includes(name) && !openers.includes(name)) {
        expect(grants, name).toEqual([]);
        continue;
      }
      const actions = grants.flatMap((s) => [s.Action].flat()).sort();
      expect(actions, name).toEqual([...(openers.includes(name) ? ['kms:Decrypt'] : []), ...(sealers.includes(name) ? ['kms:GenerateDataKey'] : [])].sort());
      for (const grant of grants) {
        expect(grant.Condition.StringEquals['kms:EncryptionContext:purpose']).toBe('edwe-field-encryption');
        expect(grant.Condition.StringEquals['kms:EncryptionContext:table']).toEqual({ Ref: expect.stringMatching(/^EventStore/) });
      }
    }
  });

  it('denies opening a field to the functions that only seal, or neither seal nor open, whose key grants name the same key', () => {
    const sealOnly = [...sealers.filter((name) => !openers.includes(name)), ...neither];
    for (const [name, fn] of functions) {
      const denials = fn.statements.filter((s) => s.Sid === 'NeverOpenFields');
      if (!sealOnly.includes(name)) {
        expect(denials, name).toEqual([]);
        continue;
      }
      expect(denials, name).toEqual([
        expect.objectContaining({ Effect: 'Deny', Action: 'kms:Decrypt', Condition: { StringEquals: { 'kms:EncryptionContext:purpose': 'edwe-field-encryption' } } }),
      ]);
    }
  });

  it('serves the revealing reads, GET /sensitive/events…, from a function of their own, which reads and writes nothing else', () => {
    const reader = template.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: { POWERTOOLS_SERVICE_NAME: 'edwe-query-sensitive' } } } });
    const [readerId] = Object.keys(reader);
    const methods = Object.values(template.findResources('AWS::ApiGateway::Method')) as Resource[];
    const resources = template.findResources('AWS::ApiGateway::Resource') as Record<string, Resource>;
    const pathOf = (id: string | undefined): string => {
      const resource = id === undefined ? undefined : resources[id];
      return resource === undefined ? '' : `${pathOf(resource.Properties.ParentId?.Ref)}/${String(resource.Properties.PathPart)}`;
    };
    const routed = methods
      .filter((m) => JSON.stringify(m.Properties.Integration?.Uri ?? '').includes(`"${readerId}"`))
      .map((m) => `${m.Properties.HttpMethod} ${pathOf(m.Properties.ResourceId.Ref)}`);
    const actions = (functions.get('edwe-query-sensitive')?.statements ?? []).filter((s) => s.Effect === 'Allow').flatMap((s) => [s.Action].flat());

    expect(Object.keys(reader)).toHaveLength(1);
    expect(routed.sort()).toEqual(['GET /sensitive/correlations/{correlationId}', 'GET /sensitive/events', 'GET /sensitive/events/{id}']);
    expect([...new Set(actions)].sort()).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:GetItem',
      'dynamodb:Query',
      'kms:Decrypt',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ]);
  });
});
