/**
 * The real AWS SDK v3 clients a test uses to arrange and inspect moto: us-east-1, dummy credentials,
 * the moto endpoint, Kinesis over HTTP/1.1 (moto does not speak the HTTP/2 the client defaults to).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { inject } from 'vitest';

export const REGION = 'us-east-1';
/** moto's default account. */
export const ACCOUNT = '123456789012';

export interface AwsClients {
  dynamodb: DynamoDBClient;
  streams: DynamoDBStreamsClient;
  sfn: SFNClient;
  eventBridge: EventBridgeClient;
  sqs: SQSClient;
  kinesis: KinesisClient;
  /** Closes every client's sockets. */
  destroy(): void;
}

/** One client per service, all pointed at moto. */
export function awsClients(endpoint: string = inject('motoEndpoint')): AwsClients {
  const config = { endpoint, region: REGION, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' }, maxAttempts: 2 };
  const clients = {
    dynamodb: new DynamoDBClient(config),
    streams: new DynamoDBStreamsClient(config),
    sfn: new SFNClient(config),
    eventBridge: new EventBridgeClient(config),
    sqs: new SQSClient(config),
    kinesis: new KinesisClient({ ...config, requestHandler: new NodeHttpHandler() }),
  };
  return { ...clients, destroy: () => Object.values(clients).forEach((client) => client.destroy()) };
}
