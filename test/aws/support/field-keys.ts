/** Field encryption on moto: a KMS key, and the environment lib/field-encryption.ts gives a function that seals or opens fields with it. */
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';

/** Creates the key on moto; answers `FIELD_ENCRYPTION`, `FIELD_KEY_ARN` and `EVENTS_TABLE` for the encrypt entries (their JSON). */
export async function fieldKeyEnv(encrypt: string, eventsTable: string): Promise<Record<string, string>> {
  const kms = new KMSClient({});
  try {
    const keyArn = (await kms.send(new CreateKeyCommand({ Description: 'edwe field keys' }))).KeyMetadata?.Arn as string;
    return { FIELD_ENCRYPTION: encrypt, FIELD_KEY_ARN: keyArn, EVENTS_TABLE: eventsTable };
  } finally {
    kms.destroy();
  }
}
