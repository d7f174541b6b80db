/**
 * Managed rules on AWS, end to end on moto: a change made through the rules API function (the State table) is
 * in force in the router (the Events table's stream) within the refresh bound, with no redeploy; and a managed
 * rule reading an encrypted field is refused as a rule file would be.
 */
import { ListExecutionsCommand, type ExecutionListItem } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { executionName } from '../../lambdas/core/index.js';
import { createIngestHandler, type IngestHttpHandler } from '../../lambdas/aws/http/ingest-http.js';
import { createQueryHandler } from '../../lambdas/aws/http/query-http.js';
import { createRulesHandler, type RulesHttpHandler } from '../../lambdas/aws/http/rules-http.js';
import { createRouterHandler } from '../../lambdas/aws/streams/router.js';
import { ingestDepsFromEnv } from '../../lambdas/aws/wiring/ingest.js';
import { queryDepsFromEnv } from '../../lambdas/aws/wiring/query.js';
import { routingDepsFromEnv } from '../../lambdas/aws/wiring/routing.js';
import { rulesDepsFromEnv } from '../../lambdas/aws/wiring/rules.js';
import { apiGatewayEvent, bodyOf, postEvent } from '../support/api-gateway.js';
import { ACCOUNT, awsClients, REGION, type AwsClients } from './support/aws-clients.js';
import { aRegistration } from './support/fixtures.js';
import { resetMoto } from './support/moto.js';
import { createEngineResources, ROUTER_EVENT_SOURCE, ROUTER_STREAM_FILTER, type EngineResources } from './support/resources.js';
import { createStreamPoller, type StreamPoller } from './support/stream-poller.js';

/** The shortest bound a deployer may set (`ruleRefreshSeconds`), so the test waits one second, not ten. */
const REFRESH_SECONDS = 1;
const pastTheBound = () => new Promise((resolve) => setTimeout(resolve, REFRESH_SECONDS * 1000 + 200));

describe('managed rules on AWS: rules API → State table → the router, within the refresh bound', () => {
  let aws: AwsClients;
  let engine: EngineResources;
  let ingest: IngestHttpHandler;
  let rules: RulesHttpHandler;
  let router: StreamPoller;

  const executionsOf = async (workflowId: string): Promise<ExecutionListItem[]> =>
    (await aws.sfn.send(new ListExecutionsCommand({ stateMachineArn: engine.stateMachines.get(workflowId) }))).executions ?? [];
  /** Stores a free-tier registration and lets the router take what the stream holds. */
  const aFreeRegistrationRouted = async () => {
    const event = aRegistration({}, { user_type: 'free' });
    expect((await ingest(postEvent(event))).statusCode).toBe(202);
    const invocations = await router.drain();
    expect(invocations.flatMap((i) => i.failures)).toEqual([]);
    return event;
  };

  beforeAll(async () => {
    aws = awsClients();
    await resetMoto(inject('motoEndpoint'));
    engine = await createEngineResources(aws);
    const rulesJson = JSON.stringify(engine.project.rules);
    ingest = createIngestHandler(ingestDepsFromEnv(engine.env.ingestHttp));
    rules = createRulesHandler(rulesDepsFromEnv(engine.env.rulesApi, rulesJson));
    router = createStreamPoller({
      client: aws.streams,
      streamArn: engine.eventsTable.streamArn,
      handler: createRouterHandler(routingDepsFromEnv({ ...engine.env.router, RULE_REFRESH_SECONDS: String(REFRESH_SECONDS) }, rulesJson)),
      filter: ROUTER_STREAM_FILTER,
      batchSize: ROUTER_EVENT_SOURCE.batchSize,
      retryAttempts: ROUTER_EVENT_SOURCE.retryAttempts,
    });
  });

  afterAll(() => aws.destroy());

  it('routes the next event by a rule PUT through the API once the bound has passed, and stops when it is disabled — no redeploy', async () => {
    // The router has read the managed layer (empty) and routes a free user nowhere.
    const before = await aFreeRegistrationRouted();
    expect(await executionsOf('onboarding_workflow')).toEqual([]);

    const put = await rules(
      apiGatewayEvent({
        method: 'PUT',
        resource: '/rules/{id}',
        pathParameters: { id: 'free-onboarding' },
        body: { eventType: 'user_registration', workflow: 'onboarding_workflow', conditions: [{ field: 'user_type', value: 'free' }] },
      }),
    );
    expect(put.statusCode).toBe(201);
    await pastTheBound();
    const after = await aFreeRegistrationRouted();

    expect((await executionsOf('onboarding_workflow')).map((e) => e.name)).toEqual([executionName('free-onboarding', after.id)]);
    // The event routed before the change stays as it was routed; the execution records the rule version that started it.
    const query = createQueryHandler(queryDepsFromEnv(engine.env.query));
    const listed = bodyOf(await query(apiGatewayEvent({ method: 'GET', resource: '/executions', query: { eventId: after.id } })));
    expect(listed.executions).toMatchObject([{ ruleId: 'free-onboarding', ruleVersion: 1 }]);
    expect(bodyOf(await query(apiGatewayEvent({ method: 'GET', resource: '/executions', query: { eventId: before.id } }))).executions).toEqual([]);

    const disabled = await rules(apiGatewayEvent({ method: 'PATCH', resource: '/rules/{id}', pathParameters: { id: 'free-onboarding' }, body: { enabled: false } }));
    expect(disabled.statusCode).toBe(200);
    await pastTheBound();
    await aFreeRegistrationRouted();

    expect(await executionsOf('onboarding_workflow')).toHaveLength(1);
  });

  it('refuses a managed rule that tests an encrypted field for more than its existence: 400 naming the path and the field, nothing stored', async () => {
    const sealed = createRulesHandler(
      rulesDepsFromEnv(
        {
          ...engine.env.rulesApi,
          FIELD_ENCRYPTION: JSON.stringify([{ eventType: 'user_registration', fields: ['data.email'] }]),
          // The rules API seals what it appends, so the stack gives it the field key too; refusing the rule never uses it.
          FIELD_KEY_ARN: `arn:aws:kms:${REGION}:${ACCOUNT}:key/never-used`,
        },
        JSON.stringify(engine.project.rules),
      ),
    );
    const one = { resource: '/rules/{id}', pathParameters: { id: 'example-emails' } };

    const answer = await sealed(
      apiGatewayEvent({
        ...one,
        method: 'PUT',
        body: { eventType: 'user_registration', workflow: 'onboarding_workflow', conditions: [{ field: 'email', op: 'suffix', value: '@example.com' }] },
      }),
    );

    expect(answer.statusCode).toBe(400);
    expect(bodyOf(answer)).toMatchObject({
      error: 'invalid_rule',
      details: [{ path: 'conditions[0]', message: expect.stringContaining('"data.email" of user_registration is encrypted (event_sourcing.encrypt)') }],
    });
    expect((await sealed(apiGatewayEvent({ ...one, method: 'GET' }))).statusCode).toBe(404);
  });
});
