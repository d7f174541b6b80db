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

/** A service that keeps a function's data under the key: DynamoDB (for these tables), SQS, Step Functions or EventBridge. */
export type KeyKeeper = { readonly tables: ReadonlyArray<Pick<dynamodb.ITable, 'tableName'>> } | 'sqs' | 'states' | 'events';

const VIA_SID: Record<Exclude<KeyKeeper, object>, string> = { sqs: 'KeyViaSqs', states: 'KeyViaStepFunctions', events: 'KeyViaEventBridge' };

/**
 * Lets `grantee` use the key only as the services keeping its data use it on its behalf — each grant conditioned on
 * `kms:ViaService` (that service in this region) and `kms:CallerAccount`, DynamoDB's also on the tables' encryption
 * context — and nothing else under the key. A field's data key is asked of KMS directly, not through a service, so
 * unlike `grantKeyUse` these grants cannot open a sealed field. For a function that never opens one. No-op without a key.
 * @example grantKeyUseVia(key, fn, [{ tables: [eventsTable, stateTable] }, 'sqs'])
 */
export function grantKeyUseVia(key: kms.IKey | undefined, grantee: iam.IGrantable, keepers: readonly KeyKeeper[]): void {
  if (key === undefined) return;
  const stack = Stack.of(key);
  const via = (service: string) => ({ 'kms:ViaService': `${service}.${stack.region}.${stack.urlSuffix}`, 'kms:CallerAccount': stack.account });
  for (const keeper of keepers) {
    const statement =
      typeof keeper === 'string'
        ? // Writing to an encrypted queue, workflow or bus makes a data key; reading it (or reusing a cached one) decrypts one.
          { sid: VIA_SID[keeper], actions: ['kms:GenerateDataKey', 'kms:Decrypt'], conditions: { StringEquals: via(keeper) } }
        : {
            // DynamoDB decrypts the table key it keeps for each table, for reads and writes alike, naming the table and account.
            sid: 'KeyViaDynamoDB',
            actions: ['kms:Decrypt'],
            conditions: {
              StringEquals: {
                ...via('dynamodb'),
                'kms:EncryptionContext:aws:dynamodb:tableName': keeper.tables.map((table) => table.tableName),
                'kms:EncryptionContext:aws:dynamodb:subscriberId': stack.account,
              },
            },
          };
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ ...statement, resources: [key.keyArn] }));
  }
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

/** `sqs:SendMessage` on the queue and the key actions sending to it takes, through SQS only (no `sqs:GetQueue*` the sender never calls). */
export function grantSendToQueue(queue: sqs.IQueue, grantee: iam.IGrantable): void {
  grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [queue.queueArn] }));
  grantKeyUseVia(queue.encryptionMasterKey, grantee, ['sqs']);
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
