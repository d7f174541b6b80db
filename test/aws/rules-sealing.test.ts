/**
 * The rules API on AWS seals what it appends (moto): a schedule's manual fire (`POST /rules/{id}/trigger`, the rule's
 * `data`) and a rule change's audit event are stored with their configured fields sealed under a KMS data key, as every
 * ingest path stores them, and the revealing reads open them.
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueryHandler, type QueryHttpHandler } from '../../lambdas/aws/http/query-http.js';
import { createRulesHandler, type RulesHttpHandler } from '../../lambdas/aws/http/rules-http.js';
import { createSensitiveQueryHandler, type SensitiveQueryHandler } from '../../lambdas/aws/http/sensitive-query-http.js';
import { queryDepsFromEnv } from '../../lambdas/aws/wiring/query.js';
import { rulesDepsFromEnv } from '../../lambdas/aws/wiring/rules.js';
import { sensitiveQueryDepsFromEnv } from '../../lambdas/aws/wiring/sensitive-query.js';
import { isSealed } from '../../lambdas/core/field-encryption.js';
import { eventKey } from '../../lambdas/aws/event-item.js';
import { EVENTS_TABLE } from '../../lambdas/layout/events-table.js';
import { apiGatewayEvent, bodyOf, getEvent } from '../support/api-gateway.js';
import { awsClients, type AwsClients } from './support/aws-clients.js';
import { fieldKeyEnv } from './support/field-keys.js';
import { createEngineResources, type EngineResources } from './support/resources.js';

const ACCOUNT = 'acct-7f3e-secret';
const ENCRYPT = JSON.stringify([
  { eventType: 'schedule.fired', fields: ['data.account'] },
  { eventType: 'rule.created', fields: ['data.by'] },
]);

describe('the rules API on AWS seals the trigger and audit events it appends (field encryption configured)', () => {
  let aws: AwsClients;
  let engine: EngineResources;
  let rules: RulesHttpHandler;
  let query: QueryHttpHandler;
  let reveal: SensitiveQueryHandler;
  /** The item as it rests in the Events table. */
  const storedItem = async (id: string) =>
    JSON.stringify(
      (await aws.dynamodb.send(new GetItemCommand({ TableName: engine.env.query.EVENTS_TABLE, Key: { [EVENTS_TABLE.partitionKey]: { S: eventKey(id) } } }))).Item,
    );

  beforeAll(async () => {
    aws = awsClients();
    engine = await createEngineResources(aws);
    const fieldEnv = await fieldKeyEnv(ENCRYPT, engine.env.query.EVENTS_TABLE as string);
    rules = createRulesHandler(rulesDepsFromEnv({ ...engine.env.rulesApi, ...fieldEnv }, JSON.stringify(engine.project.rules)));
    query = createQueryHandler(queryDepsFromEnv(engine.env.query));
    reveal = createSensitiveQueryHandler(sensitiveQueryDepsFromEnv({ ...engine.env.query, ...fieldEnv }));
  });

  afterAll(() => aws.destroy());

  it('stores the fire of POST /rules/{id}/trigger with `data.account` sealed, opened by GET /sensitive/events/{id}', async () => {
    const put = await rules(
      apiGatewayEvent({
        method: 'PUT',
        resource: '/rules/{id}',
        pathParameters: { id: 'nightly-sealed' },
        body: { schedule: 'rate(1 day)', workflow: 'onboarding_workflow', data: { account: ACCOUNT, plan: 'gold' } },
      }),
    );
    expect(put.statusCode).toBe(201);

    const fired = await rules(apiGatewayEvent({ method: 'POST', resource: '/rules/{id}/trigger', pathParameters: { id: 'nightly-sealed' } }));
    expect(fired.statusCode).toBe(202);
    const { id } = bodyOf(fired);
    const plain = bodyOf(await query(getEvent(id)));
    const opened = bodyOf(await reveal(apiGatewayEvent({ method: 'GET', resource: '/sensitive/events/{id}', pathParameters: { id } })));

    expect(plain).toMatchObject({ type: 'schedule.fired', data: { ruleId: 'nightly-sealed', plan: 'gold' } });
    expect(isSealed(plain.data.account)).toBe(true);
    expect(await storedItem(id)).not.toContain(ACCOUNT);
    expect(opened).toMatchObject({ id, data: { account: ACCOUNT, plan: 'gold' } });
  });

  it('stores the rule.created audit event with `data.by` (the caller) sealed', async () => {
    const put = await rules(
      apiGatewayEvent({
        method: 'PUT',
        resource: '/rules/{id}',
        pathParameters: { id: 'audited-sealed' },
        body: { eventType: 'user_registration', workflow: 'onboarding_workflow' },
      }),
    );
    const by = bodyOf(put).updatedBy as string;
    const from = new Date(Date.now() - 60_000).toISOString();
    const audits = bodyOf(await query(apiGatewayEvent({ method: 'GET', resource: '/events', query: { type: 'rule.created', from } }))).events as any[];
    const audit = audits.find((event) => event.data.ruleId === 'audited-sealed');

    expect(put.statusCode).toBe(201);
    expect(by.length).toBeGreaterThan(0);
    expect(isSealed(audit.data.by)).toBe(true);
    expect(await storedItem(audit.id)).not.toContain(by);
  });
});
