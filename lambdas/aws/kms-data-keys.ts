/**
 * Field encryption's data keys on AWS, envelope-encrypted by KMS: one `GenerateDataKey` (AES_256)
 * per container, cached for its life; a stored field names its key by the KMS-encrypted key, which
 * `Decrypt` opens (cached by reference). Both calls carry an encryption context naming the Events
 * table and the purpose, so a key is opened only for the table it was made for — and the context
 * shows in CloudTrail beside every use.
 */
import { DecryptCommand, GenerateDataKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import type { DataKey, DataKeys } from '../core/index.js';

import { fieldKeyContext } from '../layout/field-keys.js';

export { FIELD_KEY_PURPOSE } from '../layout/field-keys.js';

/** Opened keys kept per container: a Lambda meets few, but a long-lived one should not grow without end. */
const MAX_CACHED_KEYS = 100;

export interface KmsDataKeysOptions {
  client: KMSClient;
  /** The key (id, ARN or alias) that encrypts the data keys. */
  keyId: string;
  /** The Events table's name, bound into the encryption context. */
  tableName: string;
}

/**
 * @example new FieldEncryption(rules, new KmsDataKeys({ client: new KMSClient({}), keyId, tableName }))
 */
export class KmsDataKeys implements DataKeys {
  #current: Promise<DataKey> | undefined;
  readonly #opened = new Map<string, Promise<Uint8Array>>();

  constructor(private readonly options: KmsDataKeysOptions) {}

  #context(): Record<string, string> {
    return fieldKeyContext(this.options.tableName);
  }

  current(): Promise<DataKey> {
    this.#current ??= this.options.client
      .send(new GenerateDataKeyCommand({ KeyId: this.options.keyId, KeySpec: 'AES_256', EncryptionContext: this.#context() }))
      .then(({ Plaintext, CiphertextBlob }) => {
        if (Plaintext === undefined || CiphertextBlob === undefined) throw new Error('KMS GenerateDataKey answered without a key');
        const reference = Buffer.from(CiphertextBlob).toString('base64');
        this.#opened.set(reference, Promise.resolve(Plaintext));
        return { plaintext: Plaintext, reference };
      });
    // A failed call is not cached: the next event asks again.
    this.#current.catch(() => (this.#current = undefined));
    return this.#current;
  }

  resolve(reference: string): Promise<Uint8Array> {
    let opened = this.#opened.get(reference);
    if (opened === undefined) {
      if (this.#opened.size >= MAX_CACHED_KEYS) this.#opened.delete(this.#opened.keys().next().value as string);
      opened = this.options.client
        .send(new DecryptCommand({ CiphertextBlob: Buffer.from(reference, 'base64'), KeyId: this.options.keyId, EncryptionContext: this.#context() }))
        .then(({ Plaintext }) => {
          if (Plaintext === undefined) throw new Error('KMS Decrypt answered without a key');
          return Plaintext;
        });
      opened.catch(() => this.#opened.delete(reference));
      this.#opened.set(reference, opened);
    }
    return opened;
  }
}
