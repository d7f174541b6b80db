import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { FieldEncryption, isSealed } from '../../lambdas/core/index.js';
import { KmsDataKeys } from '../../lambdas/aws/kms-data-keys.js';

const event = { id: 'e-1', type: 'user_registration', source: 'web', timestamp: '2026-01-01T00:00:00.000Z', data: { email: 'ada.secret@example.com', userId: 'u-1' } };
const rules = [{ eventType: 'user_registration', fields: ['data.email'] }];

describe('KmsDataKeys on moto: field encryption with a KMS-encrypted data key', () => {
  const client = new KMSClient({ endpoint: inject('motoEndpoint'), region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  let keyId: string;
  const calls: string[] = [];

  beforeAll(async () => {
    keyId = (await client.send(new CreateKeyCommand({ Description: 'edwe field keys' }))).KeyMetadata?.KeyId as string;
    client.middlewareStack.add(
      (next, context) => (args) => {
        calls.push(context.commandName as string);
        return next(args);
      },
      { step: 'initialize', name: 'countCalls' },
    );
  });
  afterAll(() => client.destroy());

  it('seals with one GenerateDataKey per container, and another container opens the field with one Decrypt', async () => {
    const writer = new FieldEncryption(rules, new KmsDataKeys({ client, keyId, tableName: 'Events' }));
    const first = await writer.seal(event);
    await writer.seal({ ...event, id: 'e-2' });
    expect(isSealed(first.data.email)).toBe(true);
    expect(JSON.stringify(first)).not.toContain('ada.secret');

    const reader = new FieldEncryption(rules, new KmsDataKeys({ client, keyId, tableName: 'Events' }));
    expect((await reader.reveal(first)).data.email).toBe('ada.secret@example.com');
    await reader.reveal(first);
    expect(calls).toEqual(['GenerateDataKeyCommand', 'DecryptCommand']);
  });

  it('refuses to open a key made for another table (the encryption context differs)', async () => {
    const sealed = await new FieldEncryption(rules, new KmsDataKeys({ client, keyId, tableName: 'Events' })).seal(event);
    const elsewhere = new FieldEncryption(rules, new KmsDataKeys({ client, keyId, tableName: 'OtherEvents' }));
    await expect(elsewhere.reveal(sealed)).rejects.toThrow();
  });
});
