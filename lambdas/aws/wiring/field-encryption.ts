/**
 * Field encryption on AWS (docs/security.md, "On AWS"): the `event_sourcing.encrypt` entries the stack
 * hands each function that seals or opens fields, over KMS data keys bound to the Events table.
 * One `FieldEncryption` per container, so its data key (one `GenerateDataKey`) and the keys it opened
 * (one `Decrypt` each) are cached for the container's life.
 */
import { KMSClient } from '@aws-sdk/client-kms';
// Deep imports, not core's index: the built-in task functions use this module too, and their bundles
// keep only what they reach (lambdas/aws/task-services.ts).
import { encryptFieldProblem, FieldEncryption, type EncryptRule } from '../../core/field-encryption.js';
import * as z from '../../core/schema.js';
import { ENV } from '../../layout/environment.js';
import { KmsDataKeys } from '../kms-data-keys.js';
import { EnvironmentError, parseEnv, requiredVar } from './env.js';

const EncryptRules = z.array(
  z.strictObject({
    eventType: z.string().check(z.minLength(1)),
    fields: z
      .array(z.string().check(z.refine((field) => encryptFieldProblem(field) === undefined, { error: 'must be a path under data, such as "data.email"' })))
      .check(z.minLength(1)),
  }),
);

const FieldEncryptionEnv = z.object({
  [ENV.FIELD_ENCRYPTION]: z.optional(
    z.pipe(
      requiredVar(),
      z.transform((text: string, ctx) => {
        try {
          const parsed = EncryptRules.safeParse(JSON.parse(text));
          if (parsed.success) return parsed.data as EncryptRule[];
          ctx.issues.push({
            code: 'custom',
            message: `must be the JSON of the encrypt entries (${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')})`,
            input: text,
          });
        } catch {
          ctx.issues.push({ code: 'custom', message: 'must be the JSON of the encrypt entries', input: text });
        }
        return z.NEVER;
      }),
    ),
  ),
  [ENV.FIELD_KEY_ARN]: z.optional(requiredVar()),
  [ENV.EVENTS_TABLE]: z.optional(requiredVar()),
});

/**
 * The `event_sourcing.encrypt` entries the stack gave this function (none: `[]`), without the key: what the rules
 * API checks a managed rule against (it seals and opens nothing).
 * @throws EnvironmentError when FIELD_ENCRYPTION is malformed.
 */
export function encryptRulesFromEnv(env: Record<string, string | undefined>): EncryptRule[] {
  return parseEnv(FieldEncryptionEnv, env).FIELD_ENCRYPTION ?? [];
}

/**
 * `{ fields }` when the stack configured field encryption for this function, else `{}` — spread it
 * into the application's dependencies.
 * @throws EnvironmentError when FIELD_ENCRYPTION is set without FIELD_KEY_ARN or EVENTS_TABLE, or is malformed.
 * `capture` wraps the KMS client (the function's tracer, so a trace shows each KMS call).
 * @example new ExecutionLifecycle({ …, ...fieldsFromEnv(env, traced) })
 */
export function fieldsFromEnv(env: Record<string, string | undefined>, capture: <T>(client: T) => T = (client) => client): { fields?: FieldEncryption } {
  const config = parseEnv(FieldEncryptionEnv, env);
  const rules = config.FIELD_ENCRYPTION;
  if (rules === undefined || rules.length === 0) return {};
  const keyId = config.FIELD_KEY_ARN;
  const tableName = config.EVENTS_TABLE;
  const missing = [keyId === undefined ? ENV.FIELD_KEY_ARN : undefined, tableName === undefined ? ENV.EVENTS_TABLE : undefined].filter((name) => name !== undefined);
  if (keyId === undefined || tableName === undefined) {
    throw new EnvironmentError(`Invalid environment: ${missing.map((name) => `${name} is not set (${ENV.FIELD_ENCRYPTION} needs it)`).join('; ')}`);
  }
  return { fields: new FieldEncryption(rules, new KmsDataKeys({ client: capture(new KMSClient({})), keyId, tableName })) };
}
