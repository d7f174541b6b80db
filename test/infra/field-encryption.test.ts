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
  beforeAll(() => {
    functions = functionsOf(Template.fromStack(anEdweStack('Sealed', {}, ALL_SOURCES)));
  }, 180_000);

  const sealers = ['edwe-ingest', 'edwe-ingest-eventbridge', 'edwe-ingest-kinesis', 'edwe-ingest-kafka', 'edwe-lifecycle', 'edwe-task:emit-event'];
  // The HTTP ingest opens too: its fast path (on by default) hands the events it sealed to their workflows.
  const openers = ['edwe-ingest', 'edwe-flow-wake', 'edwe-router', 'edwe-sweeper', 'edwe-replay-start', 'edwe-lifecycle', 'edwe-task:emit-event'];

  it('hands the encrypt entries and the key to every function that seals or opens fields, and to no other', () => {
    const configured = [...functions].filter(([, f]) => f.env.FIELD_ENCRYPTION !== undefined && f.env.FIELD_KEY_ARN !== undefined).map(([name]) => name);

    expect(configured.sort()).toEqual([...new Set([...sealers, ...openers])].sort());
    for (const name of configured) {
      expect(JSON.parse(String(functions.get(name)?.env.FIELD_ENCRYPTION))).toEqual([{ eventType: 'user_registration', fields: ['data.email'] }]);
      expect(functions.get(name)?.env.FIELD_KEY_ARN).toBeDefined();
    }
  });

  it('hands the rules API the encrypt entries without the key: it checks managed rules against them, and seals and opens nothing', () => {
    const rulesApi = functions.get('edwe-rules-api');

    expect(JSON.parse(String(rulesApi?.env.FIELD_ENCRYPTION))).toEqual([{ eventType: 'user_registration', fields: ['data.email'] }]);
    expect(rulesApi?.env.FIELD_KEY_ARN).toBeUndefined();
    expect(rulesApi?.statements.filter((s) => s.Sid === 'FieldEncryptionDataKeys')).toEqual([]);
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
});
