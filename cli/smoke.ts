/**
 * `npm run smoke -- --stack EdweStack`: proves a deployed stack works end to end in a real account —
 * the seed's example posted (SigV4) runs to SUCCEEDED, and a message in a dead-letter queue sets its
 * alarm off and the alarm's notification reaches the alarm topic (docs/operations.md, "Smoke test").
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { apiClient } from './api-client.js';
import { awsQuery, type QueryCall } from './aws-query.js';

/** What a run checks, and how long it waits for each step. */
export interface SmokeOptions {
  readonly stack: string;
  /** The stack output holding the dead-letter queue to put the test message in. Default `IngestDeadLetterQueueUrl`. */
  readonly deadLetterOutput?: string;
  readonly executionTimeoutMs?: number;
  /** SQS publishes its metrics every minute and the alarms look at 5-minute maxima: allow a quarter of an hour. */
  readonly alarmTimeoutMs?: number;
  readonly pollMs?: number;
}

/** The clients and the clock a run uses; tests point them at moto and give a fast clock. */
export interface SmokeDeps {
  cloudFormation: CloudFormationClient;
  sqs: SQSClient;
  /** A signed AWS Query call (CloudWatch `monitoring`, SNS `sns`). */
  query: QueryCall;
  /** The signed fetch the API calls go through. */
  signedFetch?: Parameters<typeof apiClient>[0]['signedFetch'];
  sleep?: (ms: number) => Promise<void>;
  log?: (line: string) => void;
}

/** A smoke step that did not hold, named. */
export class SmokeFailedError extends Error {
  constructor(
    readonly step: string,
    message: string,
  ) {
    super(`${step}: ${message}`);
    this.name = 'SmokeFailedError';
  }
}

/** The seed's example (README, rules/onboarding.yaml): a premium user registers, `onboarding_workflow` runs. */
export const SEED_EXAMPLE = { type: 'user_registration', source: 'edwe-smoke', data: { userId: 'u-smoke', email: 'smoke@example.com', user_type: 'premium' } };
/** Marks the message the smoke test puts in a dead-letter queue, so it alone is removed afterwards. */
export const SMOKE_ATTRIBUTE = 'edwe-smoke';

interface Execution {
  name: string;
  workflowId: string;
  status: string;
}

/** Runs the smoke test; resolves with what it saw, or rejects with a SmokeFailedError naming the step. */
export async function runSmoke(options: SmokeOptions, deps: SmokeDeps): Promise<{ eventId: string; execution: Execution; alarmName: string }> {
  const log = deps.log ?? (() => undefined);
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const pollMs = options.pollMs ?? 5_000;
  const until = async <T>(step: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> => {
    const start = Date.now();
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() - start >= timeoutMs) throw new SmokeFailedError(step, `not done after ${Math.round(timeoutMs / 1000)} s`);
      await sleep(pollMs);
    }
  };

  // 1. The stack's outputs.
  const described = await deps.cloudFormation.send(new DescribeStacksCommand({ StackName: options.stack }));
  const outputs = Object.fromEntries((described.Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
  const output = (key: string): string => {
    const value = outputs[key];
    if (!value) throw new SmokeFailedError('stack outputs', `stack ${options.stack} has no output ${key} (outputs: ${Object.keys(outputs).join(', ') || 'none'})`);
    return value;
  };
  const apiUrl = output('ApiUrl');
  const topicArn = output('AlarmTopicArn');
  const deadLetterUrl = output(options.deadLetterOutput ?? 'IngestDeadLetterQueueUrl');
  log(`✓ stack ${options.stack}: API ${apiUrl}, alarm topic ${topicArn}`);

  // 2. The seed's example, posted and run to SUCCEEDED.
  const api = apiClient({ url: apiUrl, aws: true, env: {}, ...(deps.signedFetch ? { signedFetch: deps.signedFetch } : {}) });
  const { id: eventId } = await api.request<{ id: string }>('POST', '/events', SEED_EXAMPLE);
  log(`✓ posted the seed's example: event ${eventId}`);
  const execution = await until('the example execution', options.executionTimeoutMs ?? 180_000, async () => {
    const { executions } = await api.request<{ executions: Execution[] }>('GET', `/executions?eventId=${encodeURIComponent(eventId)}`);
    const run = executions.find((e) => e.workflowId === 'onboarding_workflow');
    if (run && run.status !== 'RUNNING' && run.status !== 'SUCCEEDED') throw new SmokeFailedError('the example execution', `${run.name} ended ${run.status}`);
    return run?.status === 'SUCCEEDED' ? run : undefined;
  });
  log(`✓ ${execution.workflowId} execution ${execution.name} SUCCEEDED`);

  // 3. The dead-letter queue's alarm, and a temporary queue subscribed to the alarm topic to see it arrive.
  const queueName = deadLetterUrl.split('/').pop() as string;
  const alarmName = await alarmOn(deps.query, queueName);
  const state = await alarmState(deps.query, alarmName);
  if (state === 'ALARM')
    throw new SmokeFailedError('dead-letter alarm', `${alarmName} is in ALARM already: empty ${queueName} first (edwe dlq list), so its next change can be seen`);
  const witness = await subscribeWitness(deps, topicArn, options.stack);
  try {
    await deps.sqs.send(
      new SendMessageCommand({
        QueueUrl: deadLetterUrl,
        MessageBody: JSON.stringify({ smoke: true, note: 'put here by npm run smoke to set the alarm off; removed when the run ends' }),
        MessageAttributes: { [SMOKE_ATTRIBUTE]: { DataType: 'String', StringValue: eventId } },
      }),
    );
    log(`✓ one message in ${queueName}; waiting for ${alarmName} (up to ${Math.round((options.alarmTimeoutMs ?? 900_000) / 60_000)} min)`);
    await until('dead-letter alarm', options.alarmTimeoutMs ?? 900_000, async () => ((await alarmState(deps.query, alarmName)) === 'ALARM' ? true : undefined));
    log(`✓ ${alarmName} is in ALARM`);
    await until('alarm notification on the topic', options.alarmTimeoutMs ?? 900_000, async () => {
      const { Messages = [] } = await deps.sqs.send(new ReceiveMessageCommand({ QueueUrl: witness.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      return Messages.some((m) => notificationOf(m.Body)?.AlarmName === alarmName && notificationOf(m.Body)?.NewStateValue === 'ALARM') ? true : undefined;
    });
    log(`✓ the ALARM notification of ${alarmName} reached ${topicArn}`);
  } finally {
    await witness.remove();
    await removeSmokeMessages(deps.sqs, deadLetterUrl);
  }
  return { eventId, execution, alarmName };
}

/** The name of the alarm watching the queue's visible messages (as lib/observability.ts sets one per dead-letter queue). */
async function alarmOn(query: QueryCall, queueName: string): Promise<string> {
  const xml = await query('monitoring', {
    Action: 'DescribeAlarmsForMetric',
    Version: '2010-08-01',
    Namespace: 'AWS/SQS',
    MetricName: 'ApproximateNumberOfMessagesVisible',
    'Dimensions.member.1.Name': 'QueueName',
    'Dimensions.member.1.Value': queueName,
  });
  // Filtered by dimension here too: the answer of a local AWS (moto) lists every alarm on the metric.
  const name = members(xml.slice(xml.indexOf('<MetricAlarms>')))
    .filter((alarm) => members(alarm.slice(alarm.indexOf('<Dimensions>'))).some((d) => tagValues(d, 'Name')[0] === 'QueueName' && tagValues(d, 'Value')[0] === queueName))
    .map((alarm) => tagValues(alarm, 'AlarmName')[0])[0];
  if (!name) throw new SmokeFailedError('dead-letter alarm', `no alarm watches ApproximateNumberOfMessagesVisible of ${queueName}`);
  return name;
}

async function alarmState(query: QueryCall, alarmName: string): Promise<string | undefined> {
  return tagValues(await query('monitoring', { Action: 'DescribeAlarms', Version: '2010-08-01', 'AlarmNames.member.1': alarmName }), 'StateValue')[0];
}

/** A queue subscribed to the topic for the run: proof the notification was delivered, not only published. */
async function subscribeWitness(deps: SmokeDeps, topicArn: string, stack: string): Promise<{ queueUrl: string; remove(): Promise<void> }> {
  const name = `edwe-smoke-${stack}-${Date.now().toString(36)}`.slice(0, 80);
  const { QueueUrl: queueUrl } = await deps.sqs.send(
    new CreateQueueCommand({ QueueName: name, Attributes: { SqsManagedSseEnabled: 'true', MessageRetentionPeriod: '3600' } }),
  );
  if (!queueUrl) throw new SmokeFailedError('witness queue', `no URL for ${name}`);
  const { Attributes } = await deps.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  const queueArn = Attributes?.QueueArn as string;
  const policy = {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { Service: 'sns.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: queueArn, Condition: { ArnEquals: { 'aws:SourceArn': topicArn } } },
    ],
  };
  await deps.sqs.send(new SetQueueAttributesCommand({ QueueUrl: queueUrl, Attributes: { Policy: JSON.stringify(policy) } }));
  const subscribed = await deps.query('sns', { Action: 'Subscribe', Version: '2010-03-31', TopicArn: topicArn, Protocol: 'sqs', Endpoint: queueArn });
  const [subscriptionArn] = tagValues(subscribed, 'SubscriptionArn');
  return {
    queueUrl,
    async remove() {
      if (subscriptionArn) await deps.query('sns', { Action: 'Unsubscribe', Version: '2010-03-31', SubscriptionArn: subscriptionArn });
      await deps.sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
    },
  };
}

/** Deletes the messages this test put in the dead-letter queue (and only those). */
async function removeSmokeMessages(sqs: SQSClient, queueUrl: string): Promise<void> {
  for (let round = 0; round < 5; round++) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: [SMOKE_ATTRIBUTE], VisibilityTimeout: 5 }),
    );
    const ours = Messages.filter((m) => m.MessageAttributes?.[SMOKE_ATTRIBUTE] !== undefined);
    for (const m of ours) await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
    // A real dead letter received on the way is made visible again at once, for the operators and `edwe dlq`.
    for (const m of Messages.filter((m) => !ours.includes(m))) {
      await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 }));
    }
    if (ours.length > 0 || Messages.length === 0) return;
  }
}

/** The alarm notification in an SNS-to-SQS delivery (the SNS envelope's `Message`, itself JSON). */
function notificationOf(body: string | undefined): { AlarmName?: string; NewStateValue?: string } | undefined {
  try {
    const envelope = JSON.parse(body ?? '') as { Message?: string };
    return JSON.parse(envelope.Message ?? '') as { AlarmName?: string; NewStateValue?: string };
  } catch {
    return undefined;
  }
}

/** The `<member>` elements directly inside the first list of `xml` (which starts at that list's opening tag). */
export function members(xml: string): string[] {
  const found: string[] = [];
  let depth = 0;
  let start = -1;
  for (const tag of xml.matchAll(/<(\/?)(member|[A-Za-z]+)>/g)) {
    const closing = tag[1] === '/';
    if (tag[2] !== 'member') {
      // The list itself closes: stop before the next list.
      if (closing && depth === 0) break;
      continue;
    }
    if (!closing && depth++ === 0) start = (tag.index ?? 0) + tag[0].length;
    if (closing && --depth === 0) found.push(xml.slice(start, tag.index));
  }
  return found;
}

/** Every text of `<tag>…</tag>` in a Query API answer (XML entities decoded). */
export function tagValues(xml: string, tag: string): string[] {
  const decode = (text: string) =>
    text
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
  return [...xml.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g'))].map((m) => decode(m[1] as string));
}

/** Clients for the run, in the region given or the SDK's default; the Query calls share it. */
export function smokeDeps(region: string | undefined, log: (line: string) => void): SmokeDeps {
  const config = region === undefined ? {} : { region };
  return { cloudFormation: new CloudFormationClient(config), sqs: new SQSClient(config), query: awsQuery({ ...(region === undefined ? {} : { region }) }), log };
}
