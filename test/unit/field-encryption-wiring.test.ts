import { mockClient } from 'aws-sdk-client-mock';
import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { afterEach, describe, expect, it } from 'vitest';
import { isSealed } from '../../lambdas/core/index.js';
import { EnvironmentError } from '../../lambdas/aws/wiring/env.js';
import { fieldsFromEnv } from '../../lambdas/aws/wiring/field-encryption.js';

const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const ENCRYPT = JSON.stringify([{ eventType: 'user_registration', fields: ['data.email'] }]);
const event = { id: 'e-1', type: 'user_registration', source: 'web', timestamp: new Date().toISOString(), data: { email: 'ada@example.com', plan: 'pro' } };

describe('field encryption from a function environment', () => {
  const kms = mockClient(KMSClient);
  afterEach(() => kms.reset());

  it('is off when the stack configured no encrypt entries', () => {
    expect(fieldsFromEnv({ EVENTS_TABLE: 'Events' })).toEqual({});
  });

  it('seals with a data key whose encryption context names the Events table, and opens it again', async () => {
    const plaintext = new Uint8Array(32).fill(7);
    kms.on(GenerateDataKeyCommand).resolves({ Plaintext: plaintext, CiphertextBlob: new Uint8Array([1, 2, 3]) });
    kms.on(DecryptCommand).resolves({ Plaintext: plaintext });
    const { fields } = fieldsFromEnv({ FIELD_ENCRYPTION: ENCRYPT, FIELD_KEY_ARN: KEY_ARN, EVENTS_TABLE: 'Events' });

    const sealed = await fields?.seal(event);
    const opened = await fieldsFromEnv({ FIELD_ENCRYPTION: ENCRYPT, FIELD_KEY_ARN: KEY_ARN, EVENTS_TABLE: 'Events' }).fields?.reveal(sealed as typeof event);

    expect(isSealed(sealed?.data.email)).toBe(true);
    expect(sealed?.data.plan).toBe('pro');
    expect(opened?.data.email).toBe('ada@example.com');
    const context = { table: 'Events', purpose: 'edwe-field-encryption' };
    expect(kms.commandCalls(GenerateDataKeyCommand).map((c) => c.args[0].input)).toEqual([{ KeyId: KEY_ARN, KeySpec: 'AES_256', EncryptionContext: context }]);
    expect(kms.commandCalls(DecryptCommand).map((c) => c.args[0].input)).toEqual([{ CiphertextBlob: Buffer.from([1, 2, 3]), KeyId: KEY_ARN, EncryptionContext: context }]);
  });

  it('names the variable that is missing or malformed', () => {
    expect(() => fieldsFromEnv({ FIELD_ENCRYPTION: ENCRYPT, EVENTS_TABLE: 'Events' })).toThrow(
      new EnvironmentError('Invalid environment: FIELD_KEY_ARN is not set (FIELD_ENCRYPTION needs it)'),
    );
    expect(() => fieldsFromEnv({ FIELD_ENCRYPTION: '[{"eventType":"x","fields":["email"]}]', FIELD_KEY_ARN: KEY_ARN, EVENTS_TABLE: 'Events' })).toThrow(
      /FIELD_ENCRYPTION must be the JSON of the encrypt entries \(0\.fields\.0: must be a path under data/,
    );
    expect(() => fieldsFromEnv({ FIELD_ENCRYPTION: 'not json', FIELD_KEY_ARN: KEY_ARN, EVENTS_TABLE: 'Events' })).toThrow(
      /FIELD_ENCRYPTION must be the JSON of the encrypt entries/,
    );
  });
});
