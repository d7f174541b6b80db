/**
 * The encryption context of field encryption's KMS data keys: what `KmsDataKeys` sends with every
 * `GenerateDataKey` and `Decrypt`, and what the stack's grants require of those calls (lib/field-encryption.ts).
 * Free of SDK imports: the CDK app imports it too.
 */

/** The `purpose` entry of every encryption context. */
export const FIELD_KEY_PURPOSE = 'edwe-field-encryption';

/** The encryption context of a data key for the Events table `tableName`. */
export const fieldKeyContext = (tableName: string): Record<string, string> => ({ table: tableName, purpose: FIELD_KEY_PURPOSE });
