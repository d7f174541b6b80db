/**
 * How a customer-managed key is used for a resource it encrypts, as test/infra/support/access-model.ts weighs it:
 * the encryption context each service sets, where each resource type names its key, and the key actions a call implies.
 */
import { DEPLOYMENT } from './cfn-resolve.js';

const { account } = DEPLOYMENT;

/** The encryption context each service puts on the data keys of a resource it encrypts with a customer-managed key. */
export function encryptionContext(type: string, arn: string, name: string): Record<string, string> {
  switch (type) {
    case 'AWS::DynamoDB::Table':
      return { 'kms:EncryptionContext:aws:dynamodb:tableName': name, 'kms:EncryptionContext:aws:dynamodb:subscriberId': account };
    case 'AWS::SQS::Queue':
      return { 'kms:EncryptionContext:aws:sqs:arn': arn };
    case 'AWS::SNS::Topic':
      return { 'kms:EncryptionContext:aws:sns:topicArn': arn };
    case 'AWS::StepFunctions::StateMachine':
      return { 'kms:EncryptionContext:aws:states:stateMachineArn': arn };
    case 'AWS::Events::EventBus':
      return { 'kms:EncryptionContext:aws:events:event-bus:arn': arn };
    case 'AWS::Kinesis::Stream':
      return { 'kms:EncryptionContext:aws:kinesis:arn': arn };
    case 'AWS::Logs::LogGroup':
      return { 'kms:EncryptionContext:aws:logs:arn': arn.replace(/:\*$/, '') };
    default:
      return {};
  }
}

/** The key property of each encrypted resource type. */
export const KEY_PROPERTY: Record<string, (p: Record<string, any>) => unknown> = {
  'AWS::DynamoDB::Table': (p) => p.SSESpecification?.KMSMasterKeyId,
  'AWS::SQS::Queue': (p) => p.KmsMasterKeyId,
  'AWS::SNS::Topic': (p) => p.KmsMasterKeyId,
  'AWS::StepFunctions::StateMachine': (p) => p.EncryptionConfiguration?.KmsKeyId,
  'AWS::Events::EventBus': (p) => p.KmsKeyIdentifier,
  'AWS::Kinesis::Stream': (p) => p.StreamEncryption?.KeyId,
  'AWS::Logs::LogGroup': (p) => p.KmsKeyId,
};

/**
 * What a call on a resource encrypted with a customer-managed key asks of the key: DynamoDB decrypts
 * the table key it keeps for the table (for reads and writes alike); the others make a data key to
 * write and decrypt it to read.
 */
export const keyActions = (type: string): string[] => (type === 'AWS::DynamoDB::Table' ? ['kms:Decrypt'] : ['kms:GenerateDataKey', 'kms:Decrypt']);
