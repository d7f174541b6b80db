/** Reading SQS queues on moto: what a rule target or a dead-letter queue has received, in order. */
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';

/**
 * Receives (and deletes) every message the queue holds now, in the order moto keeps them.
 * EventBridge on moto delivers to its targets before PutEvents answers, so nothing is in flight.
 */
export async function receiveAll(sqs: SQSClient, queueUrl: string): Promise<Message[]> {
  const messages: Message[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageAttributeNames: ['All'] }));
    if (Messages.length === 0) return messages;
    messages.push(...Messages);
    await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle as string })) }));
  }
}

/** Every message's body, parsed as JSON. */
export async function receiveAllJson<T = Record<string, unknown>>(sqs: SQSClient, queueUrl: string): Promise<T[]> {
  return (await receiveAll(sqs, queueUrl)).map((message) => JSON.parse(message.Body as string) as T);
}
