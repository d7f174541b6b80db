/** The revealing reads' wiring: from the environment the `SensitiveReads` construct sets (lib/sensitive-reads.ts) to the adapter's dependencies. */
import * as z from '../../core/schema.js';
import { ENV } from '../../layout/environment.js';
import type { SensitiveQueryDeps } from '../http/sensitive-query-http.js';
import { EnvironmentError, parseEnv } from './env.js';
import { storeFrom, StoreEnv } from './events.js';
import { fieldsFromEnv } from './field-encryption.js';
import { logger, metrics, traced } from './powertools.js';
import { stateFrom, StateEnv } from './state.js';

const SensitiveQueryEnv = z.extend(StoreEnv, { [ENV.STATE_TABLE]: z.optional(StateEnv.shape.STATE_TABLE) });

/**
 * The event store, the execution records when there is a State table, and the field encryption that opens sealed fields.
 * @throws EnvironmentError when FIELD_ENCRYPTION is not set: a revealing read that cannot reveal would answer the sealed form as if it were all.
 */
export function sensitiveQueryDepsFromEnv(env: Record<string, string | undefined> = process.env): SensitiveQueryDeps {
  const config = parseEnv(SensitiveQueryEnv, env);
  const { fields } = fieldsFromEnv(env, traced);
  if (fields === undefined) throw new EnvironmentError(`Invalid environment: ${ENV.FIELD_ENCRYPTION} is not set (the revealing reads open the fields it names)`);
  const { STATE_TABLE } = config;
  return {
    events: storeFrom(config),
    ...(STATE_TABLE === undefined ? {} : { executions: stateFrom({ ...config, STATE_TABLE }).executions }),
    fields,
    logger,
    metrics,
  };
}
