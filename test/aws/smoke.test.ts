import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { GetQueueAttributesCommand, ListQueuesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { awsQuery } from '../../cli/aws-query.js';
import { runSmoke, SEED_EXAMPLE, SmokeFailedError, tagValues, type SmokeDeps } from '../../cli/smoke.js';
import { checkSignature } from '../support/sigv4-server.js';

/**
 * The smoke script's logic against moto: the stack's outputs from CloudFormation, the alarm found by
 * its queue, the witness queue subscribed through SNS, the smoke message put in and taken out of the
 * dead-letter queue. Two parts of AWS are played here: the engine's API (a local server that checks
 * SigV4 and answers as the deployed API does) and CloudWatch's evaluation (moto does not evaluate
 * alarms): when the dead-letter queue holds a message, the test sets the alarm to ALARM and publishes
 * its notification to the alarm topic, as CloudWatch would.
 */

/** A two-queue stack: the alarm on the ingest queue must be told from the alarm on the other (alarms: `putAlarms`). */
const template = (apiUrl: string) =>
  JSON.stringify({
    Resources: {
      Topic: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'edwe-alarms' } },
      IngestDlq: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'edwe-ingest-dlq' } },
      RouterDlq: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'edwe-router-failures' } },
    },
    Outputs: {
      ApiUrl: { Value: apiUrl },
      AlarmTopicArn: { Value: { Ref: 'Topic' } },
      IngestDeadLetterQueueUrl: { Value: { Ref: 'IngestDlq' } },
      FailureQueueUrl: { Value: { Ref: 'RouterDlq' } },
    },
  });

describe('npm run smoke, against moto (CloudFormation, CloudWatch, SQS, SNS) and a SigV4-checking API', () => {
  // moto's CloudFormation writes queue URLs with AWS's host: the client keeps to its endpoint (moto).
  const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
  const cloudFormation = new CloudFormationClient({});
  const query = awsQuery();
  const api = { url: '', posted: [] as unknown[], executionStatus: 'SUCCEEDED', polls: 0, rejected: [] as string[] };
  let server: Server;
  let playing: NodeJS.Timeout | undefined;

  beforeAll(async () => {
    server = createServer(async (request, response) => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks).toString('utf8');
      const rejected = await checkSignature(request, body, 'execute-api', { accessKeyId: 'testing', secretAccessKey: 'testing' });
      const answer = (status: number, value: unknown) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      if (rejected) {
        api.rejected.push(rejected);
        return answer(403, { error: 'unauthorized', message: rejected });
      }
      if (request.method === 'POST' && request.url === '/prod/events') {
        api.posted.push(JSON.parse(body));
        return answer(202, { id: 'evt-smoke-1' });
      }
      if (request.method === 'GET' && request.url === '/prod/executions?eventId=evt-smoke-1') {
        // Running on the first look, ended on the next: the script must wait.
        const status = api.polls++ === 0 ? 'RUNNING' : api.executionStatus;
        return answer(200, {
          executions: [{ name: 'premium-onboarding-1a2b', workflowId: 'onboarding_workflow', ruleId: 'premium-onboarding', eventId: 'evt-smoke-1', status }],
        });
      }
      return answer(404, { error: 'not_found', message: `${request.method} ${request.url}` });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    api.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/prod/`;
    await cloudFormation.send(new CreateStackCommand({ StackName: 'EdweStack', TemplateBody: template(api.url) }));
    await putAlarms();
  });
  afterEach(() => {
    clearInterval(playing);
    api.polls = 0;
    api.executionStatus = 'SUCCEEDED';
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    sqs.destroy();
    cloudFormation.destroy();
  });

  const queueUrl = async (name: string) => (await sqs.send(new ListQueuesCommand({ QueueNamePrefix: name }))).QueueUrls?.[0] as string;
  const setAlarm = (name: string, state: 'OK' | 'ALARM') =>
    query('monitoring', { Action: 'SetAlarmState', Version: '2010-08-01', AlarmName: name, StateValue: state, StateReason: 'set by the test' });

  /** CloudWatch, played: a message in the ingest dead-letter queue sets its alarm off and notifies the topic. */
  function playCloudWatch(topicArn: () => Promise<string>, threshold = 1): void {
    let busy = false;
    playing = setInterval(async () => {
      // One look at a time, and one notification: as CloudWatch notifies a state change once.
      if (busy) return;
      busy = true;
      const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: await queueUrl('edwe-ingest-dlq'), AttributeNames: ['ApproximateNumberOfMessages'] }));
      if (Number(Attributes?.ApproximateNumberOfMessages ?? 0) < threshold) {
        busy = false;
        return;
      }
      clearInterval(playing);
      await setAlarm('EdweStack-IngestDlq-messages', 'ALARM');
      const message = JSON.stringify({
        AlarmName: 'EdweStack-IngestDlq-messages',
        NewStateValue: 'ALARM',
        OldStateValue: 'OK',
        Trigger: { MetricName: 'ApproximateNumberOfMessagesVisible' },
      });
      await query('sns', { Action: 'Publish', Version: '2010-03-31', TopicArn: await topicArn(), Subject: 'ALARM', Message: message });
    }, 100);
  }
  /** The stack's alarms, as lib/observability.ts makes them (moto's CloudFormation leaves AWS::CloudWatch::Alarm out). */
  async function putAlarms(): Promise<void> {
    for (const [alarm, queue] of [
      ['EdweStack-IngestDlq-messages', 'edwe-ingest-dlq'],
      ['EdweStack-RouterDlq-messages', 'edwe-router-failures'],
    ] as const) {
      await query('monitoring', {
        Action: 'PutMetricAlarm',
        Version: '2010-08-01',
        AlarmName: alarm,
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        'Dimensions.member.1.Name': 'QueueName',
        'Dimensions.member.1.Value': queue,
        Statistic: 'Maximum',
        Period: '300',
        EvaluationPeriods: '1',
        Threshold: '1',
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        'AlarmActions.member.1': await topicArn(),
      });
    }
  }
  const topicArn = async () => tagValues(await query('sns', { Action: 'ListTopics', Version: '2010-03-31' }), 'TopicArn')[0] as string;
  const deps = (log: string[] = []): SmokeDeps => ({ cloudFormation, sqs, query, log: (line) => log.push(line) });
  const fast = { stack: 'EdweStack', pollMs: 100, executionTimeoutMs: 5_000, alarmTimeoutMs: 10_000 };

  it('posts the signed example, waits for SUCCEEDED, sees the dead-letter alarm reach the topic, and leaves nothing behind', async () => {
    playCloudWatch(topicArn);
    const log: string[] = [];

    const result = await runSmoke(fast, deps(log));

    expect(result).toEqual({ eventId: 'evt-smoke-1', execution: expect.objectContaining({ status: 'SUCCEEDED' }), alarmName: 'EdweStack-IngestDlq-messages' });
    expect(api.posted).toEqual([SEED_EXAMPLE]);
    expect(api.rejected).toEqual([]);
    expect(api.polls).toBe(2);
    expect(log.at(-1)).toMatch(/the ALARM notification of EdweStack-IngestDlq-messages reached arn:aws:sns:/);
    // Cleaned up: the witness queue and its subscription gone, the smoke message taken out of the dead-letter queue.
    expect((await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'edwe-smoke-' }))).QueueUrls ?? []).toEqual([]);
    expect(tagValues(await query('sns', { Action: 'ListSubscriptionsByTopic', Version: '2010-03-31', TopicArn: await topicArn() }), 'SubscriptionArn')).toEqual([]);
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: await queueUrl('edwe-ingest-dlq') }))).Messages ?? []).toEqual([]);
    await setAlarm('EdweStack-IngestDlq-messages', 'OK');
  });

  it('fails at the execution step when the example does not succeed, naming the state', async () => {
    api.executionStatus = 'FAILED';

    await expect(runSmoke(fast, deps())).rejects.toThrow(new SmokeFailedError('the example execution', 'premium-onboarding-1a2b ended FAILED'));
  });

  it('refuses to start when the alarm is in ALARM already: its next notification could not be told apart', async () => {
    await setAlarm('EdweStack-IngestDlq-messages', 'ALARM');

    await expect(runSmoke(fast, deps())).rejects.toThrow(/dead-letter alarm: EdweStack-IngestDlq-messages is in ALARM already: empty edwe-ingest-dlq first/);
    await setAlarm('EdweStack-IngestDlq-messages', 'OK');
  });

  it('fails when no notification reaches the topic, and still removes its witness queue and its message', async () => {
    // CloudWatch sets the alarm off but publishes nothing (an alarm topic whose policy refuses CloudWatch).
    playing = setInterval(async () => {
      const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: await queueUrl('edwe-ingest-dlq'), AttributeNames: ['ApproximateNumberOfMessages'] }));
      if (Number(Attributes?.ApproximateNumberOfMessages ?? 0) > 0) await setAlarm('EdweStack-IngestDlq-messages', 'ALARM');
    }, 100);

    await expect(runSmoke({ ...fast, alarmTimeoutMs: 1_000 }, deps())).rejects.toThrow(/alarm notification on the topic: not done after 1 s/);
    expect((await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'edwe-smoke-' }))).QueueUrls ?? []).toEqual([]);
    await setAlarm('EdweStack-IngestDlq-messages', 'OK');
  });

  it('names the output a stack lacks', async () => {
    await expect(runSmoke({ ...fast, deadLetterOutput: 'KafkaDeadLetterQueueUrl' }, deps())).rejects.toThrow(
      /stack EdweStack has no output KafkaDeadLetterQueueUrl \(outputs: .*ApiUrl/,
    );
  });

  it('takes out only its own message from the dead-letter queue', async () => {
    const other = await sqs.send(new SendMessageCommand({ QueueUrl: await queueUrl('edwe-ingest-dlq'), MessageBody: '{"real":"failure"}' }));
    // The alarm's period has not seen that message yet (it is OK): the smoke message is the second one.
    playCloudWatch(topicArn, 2);

    await runSmoke(fast, deps());

    const left = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: await queueUrl('edwe-ingest-dlq'), MaxNumberOfMessages: 10 }))).Messages ?? [];
    expect(left.map((m) => m.MessageId)).toEqual([other.MessageId]);
    await setAlarm('EdweStack-IngestDlq-messages', 'OK');
  });
});
