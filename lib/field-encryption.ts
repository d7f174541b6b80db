/**
 * Field encryption on AWS (docs/security.md, "On AWS"): the functions that seal or open sensitive
 * event fields get the `event_sourcing.encrypt` entries and the key in their environment, and exactly
 * the KMS calls they make — `GenerateDataKey` to seal, `Decrypt` to open — allowed only with the
 * encryption context that binds a data key to this stack's Events table.
 */
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { EncryptRule } from '../lambdas/core/field-encryption.js';
import { ENV } from '../lambdas/layout/environment.js';
import { FIELD_KEY_PURPOSE, fieldKeyContext } from '../lambdas/layout/field-keys.js';
import { STATE_TABLE } from '../lambdas/layout/state-table.js';

/**
 * What a function does with sensitive fields: seal them (ingest), open them (hand-off to a workflow), both,
 * (`emit`) both and read its execution's record, whose input says which plaintext to seal again in what it emits,
 * or (`none`) neither, though it holds the key for what the services keep of its data (lib/encryption.ts `grantKeyUseVia`).
 */
export type FieldUse = 'seal' | 'open' | 'seal-open' | 'emit' | 'none';

const ACTIONS: Record<Exclude<FieldUse, 'none'>, string[]> = {
  seal: ['kms:GenerateDataKey'],
  open: ['kms:Decrypt'],
  // Sealing again what a workflow hands back (its output, what it emits) takes the data key of the container.
  'seal-open': ['kms:GenerateDataKey', 'kms:Decrypt'],
  emit: ['kms:GenerateDataKey', 'kms:Decrypt'],
};

export interface FieldEncryptionProps {
  /** The `event_sourcing.encrypt` entries; none: nothing is configured or granted. */
  readonly rules: readonly EncryptRule[];
  /** The key that encrypts the data keys (the engine's key). */
  readonly key: kms.IKey;
  /** The Events table's name: bound into every data key's encryption context. */
  readonly eventsTableName: string;
  /** The State table (`emit` reads execution records there). */
  readonly stateTable: dynamodb.ITable;
}

/**
 * Gives each function the encrypt entries, the key and the grant its use needs. A no-op without entries.
 * @example connectFieldEncryption({ rules, key, eventsTableName }, [[ingestFunction, 'seal'], [routerFunction, 'open']])
 */
export function connectFieldEncryption(props: FieldEncryptionProps, functions: ReadonlyArray<readonly [lambda.Function, FieldUse]>): void {
  if (props.rules.length === 0) return;
  const rules = JSON.stringify(props.rules.map(({ eventType, fields }) => ({ eventType, fields })));
  const context = Object.fromEntries(Object.entries(fieldKeyContext(props.eventsTableName)).map(([name, value]) => [`kms:EncryptionContext:${name}`, value]));
  for (const [fn, use] of functions) {
    // A function that only seals, or neither seals nor opens, holds the table's key for what the services keep of its data:
    // the denial keeps that grant from opening a field, whatever it becomes.
    if (use === 'seal' || use === 'none') {
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'NeverOpenFields',
          effect: iam.Effect.DENY,
          actions: ['kms:Decrypt'],
          resources: [props.key.keyArn],
          conditions: { StringEquals: { 'kms:EncryptionContext:purpose': FIELD_KEY_PURPOSE } },
        }),
      );
    }
    if (use === 'none') continue;
    fn.addEnvironment(ENV.FIELD_ENCRYPTION, rules);
    fn.addEnvironment(ENV.FIELD_KEY_ARN, props.key.keyArn);
    fn.addEnvironment(ENV.EVENTS_TABLE, props.eventsTableName);
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'FieldEncryptionDataKeys',
        actions: ACTIONS[use],
        resources: [props.key.keyArn],
        conditions: { StringEquals: context },
      }),
    );
    if (use !== 'emit') continue;
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadOwnExecutionInput',
        actions: ['dynamodb:GetItem'],
        resources: [props.stateTable.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${STATE_TABLE.prefix.execution}*`] } },
      }),
    );
  }
}
