/**
 * The production wiring the replay handlers share: the rules bundled at synth (as the router's are),
 * the State table, the rate ceiling, and the adapters built from them.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { DynamoDbReplayJobStore } from '../aws/dynamodb-replay-job-store.js';
import { compileRules, type Rule, type RuleSet } from '../core/index.js';
import { EnvironmentError, requiredVar } from './env.js';
import { tracer } from './powertools.js';

/** The rules as JSON text, put into the bundle by esbuild `define` at synth (see lib/replay.ts). */
declare const __EDWE_RULES__: string | undefined;

/** The State table, where replay jobs live. */
export const StateTableEnv = z.object({ STATE_TABLE: requiredVar() });

/** The deployment's ceiling on any job's rate, in entries per second (unset: none). */
export const RateCeilingEnv = z.object({
  REPLAY_MAX_RATE: z.coerce.number({ error: 'must be a number of entries per second' }).positive({ error: 'must be above 0' }).optional(),
});

/** Today's rules, compiled from the bundle (or from `rulesJson`, for tests). */
export function bundledRuleSet(rulesJson?: string): RuleSet {
  const text = rulesJson ?? (typeof __EDWE_RULES__ === 'undefined' ? undefined : __EDWE_RULES__);
  if (text === undefined) throw new EnvironmentError('The replay function was bundled without rules (__EDWE_RULES__ is not defined)');
  return compileRules(JSON.parse(text) as Rule[]);
}

/** The job store on the table the environment names, with a traced client. */
export function replayJobsFrom(config: z.output<typeof StateTableEnv>): DynamoDbReplayJobStore {
  return new DynamoDbReplayJobStore({ client: tracer.captureAWSv3Client(new DynamoDBClient({})), tableName: config.STATE_TABLE });
}
