/**
 * `edwe dlq list|redrive`: what waits in one of the deployed engine's dead-letter and on-failure
 * queues, and putting it back through the engine (lambdas/aws/dlq-redrive.ts says how, per kind).
 * A queue is named by its URL or by the stack output that holds it; the stack's outputs also give
 * the Events table, the bus and the sweeper a redrive needs. A message is deleted only once redriven.
 */
import { parseArgs } from 'node:util';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import type { CliIo } from './io.js';
import { classifyDeadLetter, describeDeadLetter } from '../lambdas/aws/dead-letters.js';
import { DeadLetterRedriver } from '../lambdas/aws/dlq-redrive.js';
import { DynamoDbEventStore } from '../lambdas/aws/dynamodb-event-store.js';

export const DLQ_USAGE = `edwe dlq list <queue> [--stack EdweStack] [--max 10] [--json]
edwe dlq redrive <queue> [--stack EdweStack] [--max 100] [--dry-run]
  <queue>: ingest | router | lifecycle | replay | flow-wake (the stack's dead-letter queues), another output key, or a queue URL
  --region R            the stack's region (default: the SDK's, e.g. $AWS_REGION)
  --events-table T, --event-bus B, --sweeper F, --retention-days N, --wake-up-queue URL   instead of the stack's outputs`;

/** The queue names `edwe dlq` knows → the EdweStack output that holds each URL. */
export const QUEUE_OUTPUTS: Readonly<Record<string, string>> = {
  ingest: 'IngestDeadLetterQueueUrl',
  router: 'FailureQueueUrl',
  lifecycle: 'LifecycleDeadLetterQueueUrl',
  replay: 'ReplayDeadLetterQueueUrl',
  'flow-wake': 'FlowWakeDeadLetterQueueUrl',
};

/** The AWS clients the command uses; tests pass mocked ones. */
export interface DlqClients {
  sqs: SQSClient;
  lambda: LambdaClient;
  cloudFormation: CloudFormationClient;
  dynamodb: DynamoDBClient;
  kinesis: KinesisClient;
  eventBridge: EventBridgeClient;
}

/** Clients for a region (undefined: the SDK's own default), with `config` beside it (tests give dummy credentials). */
export function dlqClients(region?: string, config: { credentials?: { accessKeyId: string; secretAccessKey: string } } = {}): DlqClients {
  const options = region === undefined ? config : { ...config, region };
  return {
    sqs: new SQSClient(options),
    lambda: new LambdaClient(options),
    cloudFormation: new CloudFormationClient(options),
    dynamodb: new DynamoDBClient(options),
    kinesis: new KinesisClient(options),
    eventBridge: new EventBridgeClient(options),
  };
}

/** Seconds a listed message stays hidden from other readers (SQS cannot peek), and a redriven one while it is worked on. */
const LIST_VISIBILITY = 30;
const REDRIVE_VISIBILITY = 300;

/**
 * `edwe dlq <list|redrive> …`. Answers the exit code: 0 done, 1 some messages could not be redriven, 2 usage.
 * @example process.exitCode = await dlqCommand(['redrive', 'ingest', '--stack', 'EdweStack'], processIo())
 */
export async function dlqCommand(argv: readonly string[], io: CliIo, clients: (region?: string) => DlqClients = dlqClients): Promise<number> {
  const [action, ...rest] = argv;
  if (action === 'list') return dlqList(rest, io, clients);
  if (action === 'redrive') return dlqRedrive(rest, io, clients);
  io.stderr(`edwe dlq: expected list or redrive\n${DLQ_USAGE}\n`);
  return 2;
}

const OPTIONS = {
  stack: { type: 'string' },
  region: { type: 'string' },
  max: { type: 'string' },
  json: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  'events-table': { type: 'string' },
  'event-bus': { type: 'string' },
  sweeper: { type: 'string' },
  'retention-days': { type: 'string' },
  'wake-up-queue': { type: 'string' },
} as const;

type Parsed = { queue: string; values: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values']; max: number };

function parse(argv: readonly string[], io: CliIo, defaultMax: number): Parsed | undefined {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    io.stderr(`edwe dlq: ${(error as Error).message}\n${DLQ_USAGE}\n`);
    return undefined;
  }
  const [queue, ...extra] = parsed.positionals;
  const max = parsed.values.max === undefined ? defaultMax : Number(parsed.values.max);
  if (queue === undefined || extra.length > 0 || !Number.isInteger(max) || max < 1) {
    io.stderr(`edwe dlq: give one queue${Number.isInteger(max) && max >= 1 ? '' : ', and --max as a whole number above 0'}\n${DLQ_USAGE}\n`);
    return undefined;
  }
  return { queue, values: parsed.values, max };
}

/** `edwe dlq list <queue>`: one line per message (or JSON lines with --json). */
export async function dlqList(argv: readonly string[], io: CliIo, clients: (region?: string) => DlqClients = dlqClients): Promise<number> {
  const args = parse(argv, io, 10);
  if (args === undefined) return 2;
  const aws = clients(args.values.region);
  const outputs = new StackOutputs(aws.cloudFormation, args.values.stack);
  const queueUrl = await outputs.queueUrl(args.queue);
  const messages = await receive(aws.sqs, queueUrl, args.max, LIST_VISIBILITY);
  for (const message of messages) {
    const kind = classifyDeadLetter(toQueueMessage(message));
    const sentAt = message.Attributes?.SentTimestamp === undefined ? '' : new Date(Number(message.Attributes.SentTimestamp)).toISOString();
    if (args.values.json === true)
      io.stdout(`${JSON.stringify({ messageId: message.MessageId, sentAt, receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 0), ...kind })}\n`);
    else io.stdout(`${message.MessageId}  ${sentAt}  ${kind.kind}  ${describeDeadLetter(kind)}\n`);
  }
  io.stderr(`${messages.length} message(s) in ${queueUrl}${messages.length === args.max ? ' (there may be more: --max)' : ''}; they stay hidden for ${LIST_VISIBILITY} s.\n`);
  return 0;
}

/** `edwe dlq redrive <queue>`: each message put back through the engine, and deleted once it is. */
export async function dlqRedrive(argv: readonly string[], io: CliIo, clients: (region?: string) => DlqClients = dlqClients): Promise<number> {
  const args = parse(argv, io, 100);
  if (args === undefined) return 2;
  const { values } = args;
  const aws = clients(values.region);
  const outputs = new StackOutputs(aws.cloudFormation, values.stack);
  const queueUrl = await outputs.queueUrl(args.queue);
  const eventsTable = values['events-table'] ?? (await outputs.optional('EventsTableName'));
  const retention = values['retention-days'] ?? (await outputs.optional('EventRetentionDays'));
  const eventBusName = values['event-bus'] ?? (await outputs.optional('EventBusName'));
  const sweeperFunction = values.sweeper ?? (await outputs.optional('SweeperFunctionName'));
  const wakeUpQueue = values['wake-up-queue'] ?? (await outputs.optional('FlowWakeQueueUrl'));
  const redriver = new DeadLetterRedriver({
    lambda: aws.lambda,
    kinesis: aws.kinesis,
    eventBridge: aws.eventBridge,
    ...(eventsTable === undefined
      ? {}
      : { events: new DynamoDbEventStore({ client: aws.dynamodb, tableName: eventsTable, ...(retention === undefined ? {} : { retentionDays: Number(retention) }) }) }),
    ...(eventBusName === undefined ? {} : { eventBusName }),
    ...(sweeperFunction === undefined ? {} : { sweeperFunction }),
    ...(wakeUpQueue === undefined ? {} : { wakeUps: { sqs: aws.sqs, queueUrl: wakeUpQueue } }),
  });

  let redriven = 0;
  let kept = 0;
  for (const message of await receive(aws.sqs, queueUrl, args.max, values['dry-run'] === true ? LIST_VISIBILITY : REDRIVE_VISIBILITY)) {
    const kind = classifyDeadLetter(toQueueMessage(message));
    if (values['dry-run'] === true) {
      io.stdout(`${message.MessageId}  would redrive: ${describeDeadLetter(kind)}\n`);
      continue;
    }
    const outcome = await redriver.redrive(kind, message.MessageId ?? '');
    if (outcome.ok) {
      await aws.sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
      redriven++;
      io.stdout(`${message.MessageId}  redriven: ${outcome.done}\n`);
    } else {
      kept++;
      io.stdout(`${message.MessageId}  kept: ${outcome.why}\n`);
    }
  }
  io.stderr(`${redriven} redriven and deleted, ${kept} kept in ${queueUrl}.\n`);
  return kept === 0 ? 0 : 1;
}

/** Up to `max` distinct messages of the queue, each hidden for `visibility` seconds. */
async function receive(sqs: SQSClient, queueUrl: string, max: number, visibility: number): Promise<Message[]> {
  const seen = new Map<string, Message>();
  while (seen.size < max) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: Math.min(10, max - seen.size),
        VisibilityTimeout: visibility,
        WaitTimeSeconds: 1,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
      }),
    );
    const fresh = Messages.filter((m) => m.MessageId !== undefined && !seen.has(m.MessageId));
    if (fresh.length === 0) break;
    for (const message of fresh) seen.set(message.MessageId as string, message);
  }
  return [...seen.values()];
}

const toQueueMessage = (message: Message) => ({
  body: message.Body ?? '',
  attributes: Object.fromEntries(Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [name, value.StringValue])),
});

/** The stack's outputs, read once and only when something needs them. */
class StackOutputs {
  private outputs?: Promise<Map<string, string>>;

  private readonly stackName: string;

  /** `stackName` given (`--stack`): its outputs must be readable. Not given: $EDWE_STACK or EdweStack, if it is there. */
  constructor(
    private readonly cloudFormation: CloudFormationClient,
    private readonly given?: string,
  ) {
    this.stackName = given ?? process.env.EDWE_STACK ?? 'EdweStack';
  }

  /** A URL as given; a known name or output key looked up. @throws Error naming the missing output. */
  async queueUrl(queue: string): Promise<string> {
    if (/^https?:\/\//.test(queue)) return queue;
    const key = QUEUE_OUTPUTS[queue] ?? queue;
    const url = await this.optional(key);
    if (url === undefined) throw new Error(`stack ${this.stackName} has no output ${key} (queues: ${Object.keys(QUEUE_OUTPUTS).join(', ')}, or a queue URL)`);
    return url;
  }

  async optional(key: string): Promise<string | undefined> {
    this.outputs ??= this.cloudFormation.send(new DescribeStacksCommand({ StackName: this.stackName })).then(
      ({ Stacks }) =>
        new Map((Stacks?.[0]?.Outputs ?? []).flatMap((o) => (o.OutputKey === undefined || o.OutputValue === undefined ? [] : [[o.OutputKey, o.OutputValue] as const]))),
      (error: unknown) => {
        if (this.given !== undefined) throw error;
        return new Map<string, string>();
      },
    );
    return (await this.outputs).get(key);
  }
}
