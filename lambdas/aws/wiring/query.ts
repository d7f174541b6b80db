/** The query function's wiring: from the environment the `Ingestion` construct sets (lib/ingestion.ts) to the query adapter's dependencies. */
import { ENV } from '../../layout/environment.js';
import { NO_EXECUTIONS } from '../../core/index.js';
import * as z from '../../core/schema.js';
import type { QueryDeps } from '../http/query-http.js';
import { executionArnsOf } from '../execution-arn.js';
import { jsonMapVar, parseEnv, requiredVar, stateMachineArnsOf } from './env.js';
import { storeFrom, StoreEnv } from './events.js';
import { logger, metrics } from './powertools.js';
import { stateFrom, StateEnv } from './state.js';

/**
 * The State table is optional: an `Ingestion` deployed without one answers no executions. The state
 * machines' ARNs (and which workflows are Express) are optional too: with them an execution carries
 * its Step Functions execution ARN.
 */
const QueryEnv = z.extend(StoreEnv, {
  [ENV.STATE_TABLE]: z.optional(StateEnv.shape.STATE_TABLE),
  [ENV.STATE_MACHINE_ARNS]: z.optional(jsonMapVar()),
  [ENV.STATE_MACHINE_ARN_PREFIX]: z.optional(requiredVar()),
  [ENV.WORKFLOW_TYPES]: z.optional(jsonMapVar()),
});

/** The query function's dependencies: the event store, and the execution records when there is a State table. */
export function queryDepsFromEnv(env: Record<string, string | undefined> = process.env): QueryDeps {
  const config = parseEnv(QueryEnv, env);
  const { STATE_TABLE } = config;
  const executions = STATE_TABLE === undefined ? NO_EXECUTIONS : stateFrom({ ...config, STATE_TABLE }).executions;
  const machines = stateMachineArnsOf(config);
  const express = new Set(
    Object.entries(config.WORKFLOW_TYPES ?? {})
      .filter(([, type]) => type === 'EXPRESS')
      .map(([id]) => id),
  );
  return { events: storeFrom(config), executions, logger, metrics, ...(machines === undefined ? {} : { executionArnOf: executionArnsOf(machines, express) }) };
}
