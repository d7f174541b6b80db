/** Where field encryption gets its data key: a key file beside the embedded database, or KMS on AWS. */

/** A 256-bit data key, in the clear (memory only) and as stored beside each ciphertext. */
export interface DataKey {
  /** The 32 key bytes. Never logged, never stored. */
  plaintext: Uint8Array;
  /**
   * How a reader finds the key again, stored in every encrypted field: the KMS-encrypted key (base64)
   * on AWS, a fixed name for a local key file.
   */
  reference: string;
}

/**
 * @example const key = await dataKeys.current() // encrypt with it
 * @example const bytes = await dataKeys.resolve(reference) // decrypt a stored field
 */
export interface DataKeys {
  /** The key new fields are encrypted with (on AWS: one `GenerateDataKey` per cold start, cached). */
  current(): Promise<DataKey>;
  /** The key bytes a stored reference names (on AWS: `Decrypt`, cached by reference). @throws when the reference is unknown or not ours. */
  resolve(reference: string): Promise<Uint8Array>;
}
