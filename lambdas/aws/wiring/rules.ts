/**
 * The AWS wiring of managed rules: the rules API function (lib/rules-api.ts) — its catalog on the State table,
 * audit events appended to the Events table, backtests over it — and the refreshing rule set the routing
 * functions (router, sweeper, fast path) route by: the bundled files layer plus the managed layer, re-read
 * when its revision moves, at most `RULE_REFRESH_SECONDS` late.
 */
import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ingestEvent } from '../../core/app/ingest.js';
import { ManagedRules } from '../../core/app/managed-rules.js';
import { RefreshingRuleSet } from '../../core/app/rule-refresh.js';
import { RuleCatalog, type RuleCatalogDeps } from '../../core/app/rule-catalog.js';
import type { Clock } from '../../core/clock.js';
import { liveEnvelope, ulidIds } from '../../core/ids.js';
import type { RuleStore } from '../../core/ports/rules.js';
import { compileRules } from '../../core/rules/rule-set.js';
import type { Rule } from '../../core/rules/types.js';
import { scheduleView } from '../../core/app/schedules.js';
import * as z from '../../core/schema.js';
import { ENV } from '../../layout/environment.js';
import { DynamoDbRuleStore } from '../dynamodb-rule-store.js';
import type { RulesHttpDeps } from '../http/rules-http.js';
import { powertoolsLogger } from '../powertools-logger.js';
import { EnvironmentError, parseEnv, requiredVar, workflowIdsVar } from './env.js';
import { encryptRulesFromEnv, fieldsFromEnv } from './field-encryption.js';
import { storeFrom, StoreEnv } from './events.js';
import { logger as sharedLogger, metrics as sharedMetrics, traced, tracer } from './powertools.js';
import { StateEnv } from './state.js';

/** The rules as JSON text, put into the bundle by esbuild `define` at synth (lib/rules-api.ts, lib/router.ts). */
declare const __EDWE_RULES__: string | undefined;

type Env = Record<string, string | undefined>;
const wallClock: Clock = { now: () => Date.now() };

/** The default of `ruleRefreshSeconds`: how stale a routing function's rules may be. */
export const DEFAULT_RULE_REFRESH_SECONDS = 10;

/** `RULE_REFRESH_SECONDS`: a whole number of seconds, 1 to 3,600. */
export const RuleRefreshEnv = z.object({
  [ENV.RULE_REFRESH_SECONDS]: z._default(
    z.coerce.number({ error: 'must be a number of seconds' }).check(z.int({ error: 'must be whole seconds' }), z.gte(1), z.lte(3600)),
    DEFAULT_RULE_REFRESH_SECONDS,
  ),
});

/** The files layer from the bundle (or `rulesJson`, for tests). */
export function bundledRules(rulesJson?: string): Rule[] {
  const text = rulesJson ?? (typeof __EDWE_RULES__ === 'undefined' ? undefined : __EDWE_RULES__);
  if (text === undefined) throw new EnvironmentError('The function was bundled without rules (__EDWE_RULES__ is not defined)');
  return JSON.parse(text) as Rule[];
}

/** The managed layer's store on the State table, with a traced client. */
export function ruleStoreFrom(config: { STATE_TABLE: string }): RuleStore {
  return new DynamoDbRuleStore({ client: tracer.captureAWSv3Client(new DynamoDBClient({})), tableName: config.STATE_TABLE });
}

/** The routing functions' rules: the bundled files layer, with the managed layer on top once read, kept fresh. */
export function refreshingRulesFromEnv(env: Env, files: readonly Rule[], workflows: { has(id: string): boolean }, clock: Clock = wallClock): RefreshingRuleSet {
  const config = parseEnv(z.extend(StateEnv, RuleRefreshEnv.shape), env);
  const engineLogger = powertoolsLogger(sharedLogger);
  return new RefreshingRuleSet({
    files: compileRules(files),
    // Read-only, and without the document reader: each managed rule is compiled from the read form stored beside it.
    open: () => ManagedRules.open({ store: ruleStoreFrom(config), files, workflows, logger: engineLogger }),
    clock,
    refreshMs: config.RULE_REFRESH_SECONDS * 1000,
    logger: engineLogger,
  });
}

const RulesApiEnv = z.extend(StoreEnv, {
  [ENV.STATE_TABLE]: requiredVar(),
  /** Comma-separated workflow ids. */
  [ENV.WORKFLOW_IDS]: workflowIdsVar(),
});

/** The rules API function's dependencies: the catalog (opened on first use), the event store, the workflows. */
export function rulesDepsFromEnv(env: Env = process.env, rulesJson?: string, clock: Clock = wallClock): RulesHttpDeps {
  const config = parseEnv(RulesApiEnv, env);
  const events = storeFrom(config);
  // What it appends (audit events, a schedule's manual fire) is sealed as every ingest path seals (lib/field-encryption.ts, 'seal').
  const ingest = { store: events, envelope: liveEnvelope(clock, randomBytes), ...fieldsFromEnv(env, traced) };
  const deps: RuleCatalogDeps = {
    store: ruleStoreFrom(config),
    files: bundledRules(rulesJson),
    workflows: config.WORKFLOW_IDS,
    // The stack's encrypt entries: a managed rule may only ask whether an encrypted field exists, as the rule files may.
    encrypt: encryptRulesFromEnv(env),
    // Appended like any event: the router routes it, and it is on timelines and in replays.
    audit: (event) => ingestEvent(event, ingest),
    clock,
    logger: powertoolsLogger(sharedLogger),
    // As embedded: a schedule rule's view carries its next three fire times (the console lists them).
    describe: scheduleView(clock),
  };
  let opened: Promise<RuleCatalog> | undefined;
  return {
    catalog: () => {
      opened ??= RuleCatalog.open(deps).catch((error: unknown) => {
        opened = undefined;
        throw error;
      });
      return opened;
    },
    events,
    // `POST /rules/{id}/trigger`: the fire is appended as the audit events are, its id `<ruleId>@manual-<ulid>`.
    fire: { ingest, clock, ids: ulidIds(randomBytes) },
    workflows: config.WORKFLOW_IDS,
    logger: sharedLogger,
    metrics: sharedMetrics,
  };
}
