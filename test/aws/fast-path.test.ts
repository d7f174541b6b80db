import { ListExecutionsCommand, type ExecutionListItem } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { createIngestHandler, type IngestHttpHandler } from '../../lambdas/aws/http/ingest-http.js';
import { createRouterHandler } from '../../lambdas/aws/streams/router.js';
import { ingestDepsFromEnv } from '../../lambdas/aws/wiring/ingest.js';
import { routingDepsFromEnv } from '../../lambdas/aws/wiring/routing.js';
import { executionName } from '../../lambdas/core/index.js';
import { postEvent } from '../support/api-gateway.js';
import { awsClients, type AwsClients } from './support/aws-clients.js';
import { capturedLogs, type CapturedLogs } from './support/captured-logs.js';
import { aRegistration, anId } from './support/fixtures.js';
import { resetMoto } from './support/moto.js';
import { createEngineResources, ROUTER_EVENT_SOURCE, ROUTER_STREAM_FILTER, type EngineResources } from './support/resources.js';
import { createStreamPoller, type StreamPoller } from './support/stream-poller.js';

/** An order confirmation: starts `send_confirmation`, the repository's Express workflow. */
const aConfirmation = () => ({ id: anId('confirmation'), type: 'order.confirmed', source: 'shop', data: { orderId: 'o-1' } });

describe('the fast path on AWS: the ingest function starts, the stream router finds it started', () => {
  let aws: AwsClients;
  let engine: EngineResources;
  let routerLogs: CapturedLogs;
  let poller: StreamPoller;

  /** The HTTP ingest function as lib/ingestion.ts deploys it with the fast path: the router's state machines, State table and rules. */
  const ingestWith = (machines: Record<string, string>): IngestHttpHandler => {
    const { STATE_TABLE, WORKFLOW_TYPES } = engine.env.router;
    const env = { ...engine.env.ingestHttp, STATE_TABLE: STATE_TABLE as string, WORKFLOW_TYPES: WORKFLOW_TYPES as string, STATE_MACHINE_ARNS: JSON.stringify(machines) };
    return createIngestHandler(ingestDepsFromEnv(env, JSON.stringify(engine.project.rules)));
  };
  const deployedMachines = () => Object.fromEntries(engine.stateMachines);
  const executionsOf = async (workflowId: string): Promise<ExecutionListItem[]> =>
    (await aws.sfn.send(new ListExecutionsCommand({ stateMachineArn: engine.stateMachines.get(workflowId) }))).executions ?? [];
  const streamStarts = () => routerLogs.withMessage('execution started').map((entry) => [entry.executionName, entry.alreadyStarted]);

  beforeAll(() => {
    aws = awsClients();
  });

  beforeEach(async () => {
    await resetMoto(inject('motoEndpoint'));
    engine = await createEngineResources(aws);
    routerLogs = capturedLogs();
    const routerDeps = routingDepsFromEnv(engine.env.router, JSON.stringify(engine.project.rules));
    poller = createStreamPoller({
      client: aws.streams,
      streamArn: engine.eventsTable.streamArn,
      handler: createRouterHandler({ ...routerDeps, logger: routerLogs }),
      filter: ROUTER_STREAM_FILTER,
      batchSize: ROUTER_EVENT_SOURCE.batchSize,
      retryAttempts: ROUTER_EVENT_SOURCE.retryAttempts,
    });
  });

  afterAll(() => aws.destroy());

  it('has the Standard and the Express execution running when it answers 202; the stream router then finds both started', async () => {
    const ingest = ingestWith(deployedMachines());
    const registration = aRegistration();
    const confirmation = aConfirmation();

    const answers = [await ingest(postEvent(registration)), await ingest(postEvent(confirmation))];
    const before = [await executionsOf('onboarding_workflow'), await executionsOf('send_confirmation')];
    const drained = await poller.drain();

    expect(answers.map((a) => a.statusCode)).toEqual([202, 202]);
    expect(before.map((list) => list.map((e) => e.name))).toEqual([
      [executionName('premium-onboarding', registration.id)],
      [executionName('send-order-confirmation', confirmation.id)],
    ]);
    expect(drained.flatMap((i) => i.failures)).toEqual([]);
    expect(streamStarts()).toEqual([
      [executionName('premium-onboarding', registration.id), true],
      [executionName('send-order-confirmation', confirmation.id), true],
    ]);
    expect((await executionsOf('send_confirmation')).map((e) => e.name)).toEqual([executionName('send-order-confirmation', confirmation.id)]);
  });

  it('begins each execution once when requests and the stream router run at the same time', async () => {
    const ingest = ingestWith(deployedMachines());
    const events = Array.from({ length: 6 }, (_, i) => (i % 2 === 0 ? aRegistration() : aConfirmation()));

    let posting = true;
    const posted = Promise.all(events.map((event) => ingest(postEvent(event)))).finally(() => {
      posting = false;
    });
    while (posting) await poller.drain();
    await posted;
    await poller.drain();

    const names = [...(await executionsOf('onboarding_workflow')), ...(await executionsOf('send_confirmation'))].map((e) => e.name).sort();
    const expected = events.map((e) => executionName(e.type === 'order.confirmed' ? 'send-order-confirmation' : 'premium-onboarding', e.id)).sort();
    expect(names).toEqual(expected);
  });

  it('answers 202 when the fast path cannot start, and the stream router starts the workflow once', async () => {
    // A state machine the account does not have: every fast-path start fails.
    const ingest = ingestWith({ ...deployedMachines(), onboarding_workflow: `${engine.stateMachines.get('onboarding_workflow')}-gone` });
    const registration = aRegistration();

    const answer = await ingest(postEvent(registration));
    const before = await executionsOf('onboarding_workflow');
    await poller.drain();

    expect(answer.statusCode).toBe(202);
    expect(before).toEqual([]);
    expect(streamStarts()).toEqual([[executionName('premium-onboarding', registration.id), false]]);
    expect((await executionsOf('onboarding_workflow')).map((e) => e.name)).toEqual([executionName('premium-onboarding', registration.id)]);
  });
});
