/**
 * The deployment's operational settings ("Configuration"): API authorisation mode, which
 * caller may publish which sources, stage throttling, the usage plan's quota, the alarm e-mail, the
 * API Gateway account role, log retention, the sweeper and the fast path — from `EdweStack` props or, for what
 * props leave unset, `cdk.json` context (`-c edwe:auth=api-key`, or objects as JSON text). Checked
 * with zod at synth; an error names the context key and the field, e.g. `edwe:throttle.rateLimit`.
 */
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { z } from 'zod';
import { AccessCallerSchema } from '../lambdas/core/access.js';
import { EngineConfigError } from './engine-sources.js';

/** The context keys, one per setting. */
export const SETTINGS_CONTEXT = {
  auth: 'edwe:auth',
  access: 'edwe:access',
  throttle: 'edwe:throttle',
  quota: 'edwe:quota',
  alarmEmail: 'edwe:alarmEmail',
  apiCloudWatchRole: 'edwe:apiCloudWatchRole',
  logRetentionDays: 'edwe:logRetentionDays',
  sweeper: 'edwe:sweeper',
  fastPath: 'edwe:fastPath',
  replayMaxRate: 'edwe:replayMaxRate',
  ruleRefreshSeconds: 'edwe:ruleRefreshSeconds',
  correlationMetrics: 'edwe:correlationMetrics',
} as const;

/** CloudWatch Logs' allowed retention periods, in days. */
const RETENTION_DAYS = new Set(Object.values(logs.RetentionDays).filter((v): v is number => typeof v === 'number' && v > 0));

/** A caller given by IAM principal (an ARN or an API key id), or by the name of an API key the stack creates. */
const CallerInput = z.union([
  AccessCallerSchema,
  z.strictObject({ apiKey: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1 to 64 of A-Z a-z 0-9 _ -'), sources: AccessCallerSchema.shape.sources }),
]);

const Schema = z
  .strictObject({
    /** `iam` (SigV4, the default) or `api-key` (an `x-api-key` header, checked against a usage plan). */
    auth: z.enum(['iam', 'api-key']).default('iam'),
    /** Who may publish what. Unset: every caller the API lets in may publish any source. */
    access: z.strictObject({ callers: z.array(CallerInput).max(100) }).optional(),
    /** The stage's steady rate (requests/s) and burst. */
    throttle: z
      .strictObject({ rateLimit: z.number().positive().max(100_000), burstLimit: z.number().int().positive().max(100_000) })
      .default({ rateLimit: 500, burstLimit: 1000 }),
    /** With `api-key`: requests per key per period. Unset: no quota, the throttle only. */
    quota: z.strictObject({ limit: z.number().int().positive(), period: z.enum(['DAY', 'WEEK', 'MONTH']) }).optional(),
    /** Where alarms are e-mailed (subscribed to the alarm topic; AWS asks the address to confirm). */
    alarmEmail: z.email().optional(),
    /**
     * Whether this stack sets the account's (per region) CloudWatch role for API Gateway, which access
     * and execution logs need. Off by default: it is one setting per account and region, which two
     * stacks would overwrite (and one deleted would take from the other); turn it on in one stack only
     * (docs/operations.md, "The API Gateway account role").
     */
    apiCloudWatchRole: z.boolean().default(false),
    /** Days every log group keeps its logs: one of CloudWatch's periods (1, 3, 5, 7, 14, 30, 60, 90, …). */
    logRetentionDays: z
      .number()
      .int()
      .refine((d) => RETENTION_DAYS.has(d), "must be one of CloudWatch Logs' retention periods (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, …)")
      .default(30),
    /** How often the sweeper runs, how old an unrouted event must be, and how many sweeps it gets. */
    sweeper: z
      .strictObject({
        everyMinutes: z.number().int().min(1).max(60).default(5),
        minAgeMinutes: z
          .number()
          .int()
          .min(1)
          .max(24 * 60)
          .default(10),
        maxAttempts: z.number().int().min(1).max(20).default(3),
      })
      .default({ everyMinutes: 5, minAgeMinutes: 10, maxAttempts: 3 }),
    /** Whether the HTTP ingest function starts the workflows of the events it stores before it answers (docs/capacity.md). */
    fastPath: z.boolean().default(true),
    /** The replay ceiling in entries/s. Unset: the Standard StartExecution refill of the smallest region class (lib/replay.ts). */
    replayMaxRate: z.number().positive().max(10_000).optional(),
    /** The most seconds the router, the sweeper and the fast path may route by rules older than the managed layer's (docs/rules.md). */
    ruleRefreshSeconds: z.number().int().min(1).max(3600).default(10),
    /** Whether routing counts correlation activity and the sweeper emits the correlation metrics (docs/operations.md). */
    correlationMetrics: z.boolean().default(true),
  })
  .superRefine((settings, ctx) => {
    settings.access?.callers.forEach((caller, i) => {
      if ('apiKey' in caller && settings.auth !== 'api-key') {
        ctx.addIssue({ code: 'custom', path: ['access', 'callers', i, 'apiKey'], message: 'needs auth: api-key (with IAM, name the caller by its principal ARN)' });
      }
    });
    if (settings.quota !== undefined && settings.auth !== 'api-key') ctx.addIssue({ code: 'custom', path: ['quota'], message: 'applies to API keys only (auth: api-key)' });
  });

export type SettingsInput = z.input<typeof Schema>;
export type EngineSettings = z.output<typeof Schema>;
export type CallerSetting = z.output<typeof CallerInput>;

/**
 * The settings: each from `props` if given there, else from the context key, else the default.
 * @throws EngineConfigError naming each bad key, e.g. `edwe:throttle.rateLimit: Too small: expected number to be >0`.
 */
export function resolveSettings(scope: Construct, props: Partial<SettingsInput> = {}): EngineSettings {
  const raw: Record<string, unknown> = {};
  const fromContext = new Set<string>();
  for (const [name, key] of Object.entries(SETTINGS_CONTEXT)) {
    const given = (props as Record<string, unknown>)[name];
    if (given !== undefined) raw[name] = given;
    else {
      const value = scope.node.tryGetContext(key) as unknown;
      if (value === undefined) continue;
      raw[name] = contextValue(value);
      fromContext.add(name);
    }
  }
  const result = Schema.safeParse(raw);
  if (result.success) return result.data;
  throw new EngineConfigError(
    result.error.issues.map((issue) => {
      const [head, ...rest] = issue.path.map(String);
      const key = head === undefined ? '(settings)' : fromContext.has(head) ? SETTINGS_CONTEXT[head as keyof typeof SETTINGS_CONTEXT] : head;
      return `${[key, ...rest].join('.')}: ${issue.message}`;
    }),
  );
}

/** `-c key=value` gives strings: JSON text for objects, numbers and booleans; anything else is the string itself. */
function contextValue(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}
