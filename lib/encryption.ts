/**
 * The engine's one customer-managed key, and least-privilege use of it: the services that
 * write into encrypted resources on the engine's behalf are let into the key policy, each with a
 * condition; functions get the named KMS actions they use (`kms:Decrypt`, `kms:GenerateDataKey`,
 * `kms:Encrypt`) — never CDK's `grantEncryptDecrypt`, whose `kms:ReEncrypt*` and
 * `kms:GenerateDataKey*` are wildcard actions. Also the failure queues: encrypted with the key,
 * TLS only, and a Lambda on-failure destination that grants exactly what sending to them needs.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Validations } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

/** What a grantee does with data under the key: read it, or also write it. */
export type KeyUse = 'decrypt' | 'encrypt-decrypt';

const KEY_ACTIONS: Record<KeyUse, string[]> = {
  decrypt: ['kms:Decrypt'],
  // DynamoDB, SQS, Kinesis and Step Functions encrypt with data keys: GenerateDataKey, not Encrypt, is what writing takes.
  'encrypt-decrypt': ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
};

/** Lets `grantee` use the key for data it reads (`decrypt`) or also writes. No-op without a key. */
export function grantKeyUse(key: kms.IKey | undefined, grantee: iam.IGrantable, use: KeyUse): void {
  key?.grant(grantee, ...KEY_ACTIONS[use]);
}

/**
 * Lets `grantee` read the tables as DynamoDB decrypts them for it (`kms:Decrypt` with the tables' own encryption
 * context) and nothing else under the key: unlike `grantKeyUse`, not a field's data key, whose context names the
 * field encryption's purpose. For a reader that must not open sealed fields. No-op without a key.
 */
export function grantTableReads(key: kms.IKey | undefined, grantee: iam.IGrantable, tables: readonly dynamodb.ITable[]): void {
  if (key === undefined) return;
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'ReadTablesUnderKey',
      actions: ['kms:Decrypt'],
      resources: [key.keyArn],
      conditions: { StringEquals: { 'kms:EncryptionContext:aws:dynamodb:tableName': tables.map((table) => table.tableName) } },
    }),
  );
}

/**
 * Adds to the key policy what AWS services need to write into the engine's encrypted resources:
 * CloudWatch Logs (the log groups, only for log groups of this account and region) and EventBridge
 * (delivering to encrypted dead-letter queues, only for rules of this account). (CloudWatch's use,
 * for alarm notifications to the encrypted topic, is added by `Observability`.)
 */
export function allowServicesToUseKey(key: kms.IKey): void {
  const stack = Stack.of(key);
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'CloudWatchLogsOfThisAccount',
      principals: [new iam.ServicePrincipal(`logs.${stack.region}.${stack.urlSuffix}`)],
      actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKey', 'kms:DescribeKey'],
      // In a key policy, "*" is the key itself.
      resources: ['*'],
      conditions: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:*` } },
    }),
  );
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'EventBridgeDeliveriesOfThisAccount',
      principals: [new iam.ServicePrincipal('events.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
    }),
  );
}

/** `sqs:SendMessage` on the queue and the key actions sending to it takes (no `sqs:GetQueue*` the sender never calls). */
export function grantSendToQueue(queue: sqs.IQueue, grantee: iam.IGrantable): void {
  grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [queue.queueArn] }));
  grantKeyUse(queue.encryptionMasterKey, grantee, 'encrypt-decrypt');
}

/**
 * A queue for what failed: encrypted with the engine's key (SQS-managed keys without one), refusing
 * plain HTTP, kept 14 days (the most SQS allows). It is itself the end of a failure path, so it has
 * no dead-letter queue of its own.
 */
export function createFailureQueue(scope: Construct, id: string, key: kms.IKey | undefined, purpose: string): sqs.Queue {
  const queue = new sqs.Queue(scope, id, {
    ...(key === undefined ? { encryption: sqs.QueueEncryption.SQS_MANAGED } : { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: key }),
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  const reason = `This queue is the dead-letter / on-failure destination of ${purpose}; a queue behind it would only move the problem (its own alarm watches it).`;
  Validations.of(queue).acknowledge({ id: 'AwsSolutions-SQS3', reason });
  Validations.of(queue).acknowledge({ id: 'Serverless-SQSRedrivePolicy', reason });
  return queue;
}

/**
 * An SQS on-failure destination for a Lambda function's asynchronous invocations and for its event
 * source mappings (CDK's `SqsDestination` / `SqsDlq`, but granting named actions only).
 */
export class QueueOnFailure implements lambda.IDestination, lambda.IEventSourceDlq {
  constructor(private readonly queue: sqs.IQueue) {}

  bind(_scope: Construct | lambda.IEventSourceMapping, fn: lambda.IFunction): { destination: string } {
    grantSendToQueue(this.queue, fn);
    return { destination: this.queue.queueArn };
  }
}
