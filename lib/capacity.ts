/**
 * The capacity model (docs/capacity.md, `npm run capacity`): for an event rate, a share of events
 * that start a workflow, a workflow type, a region class and an event size, the load each quota on
 * the path would see, which binds first, the settings to choose and the cost per million events.
 * Pure computation over lib/capacity-quotas.ts; the per-hop timings are the model's assumptions.
 */
import { TIME_SHARDS } from '../lambdas/layout/events-table.js';
import { PRICES, QUOTAS, quotaIn, type Quota, type RegionClass } from './capacity-quotas.js';
import { DEFAULT_REPLAY_MAX_RATE } from './replay.js';

export interface CapacityInput {
  /** Events per second at peak. */
  rate: number;
  /** The share of events that start a workflow (0–1). */
  trigger: number;
  workflowType: 'STANDARD' | 'EXPRESS';
  regionClass: RegionClass;
  /** An event's serialised size. */
  eventBytes: number;
}

/** One quota on the path, with the load the input puts on it. */
export interface QuotaLine {
  hop: string;
  limit: number;
  unit: string;
  load: number;
  /** load / limit. */
  utilisation: number;
  /** What to set when the line is near or over its limit. */
  setting: string;
  source: string;
  /** A source the deployment may not have (Kinesis): never the binding line. */
  optional?: boolean;
}

export interface CapacityReport {
  input: CapacityInput;
  lines: QuotaLine[];
  /** The line with the highest utilisation: the quota that binds first. */
  binding: QuotaLine;
  /** US dollars per million events, by item (us-east-1). */
  cost: Array<{ item: string; usd: number }>;
  costTotal: number;
}

/** The model's assumptions about the code's own work (docs/capacity.md, "Assumptions"). */
export const ASSUMPTIONS = {
  /** Bytes an event item carries beyond the event: keys, index keys, receipt, expiry. */
  itemOverheadBytes: 300,
  /** Ingest function time per event: the conditional put and the Lambda overhead, plus the fast path's start when one is planned. */
  ingestMsPerEvent: 25,
  fastPathMsPerStart: 60,
  /** Router time per record: the routed mark, plus the record read and the start's record for a started event (no StartExecution after the fast path). */
  routerMsPerRecord: 12,
  routerMsPerStart: 15,
  functionMemoryGb: 0.5,
  routerBatchSize: 100,
  /** State transitions of a Standard execution, and an Express execution's duration. */
  transitionsPerExecution: 6,
  expressSeconds: 1,
  /** Log bytes per event: ingest and router, two lines each. */
  logBytesPerEvent: 1000,
} as const;

/**
 * Checks raw command-line values.
 * @throws Error naming each bad value.
 */
export function checkCapacityInput(raw: {
  rate?: number | undefined;
  trigger?: number | undefined;
  workflowType?: string;
  regionClass?: string;
  eventBytes?: number;
}): CapacityInput {
  const problems: string[] = [];
  const positive = (name: string, value: number | undefined) => {
    if (value === undefined || !Number.isFinite(value) || value <= 0) problems.push(`--${name} must be a number above 0`);
  };
  positive('rate', raw.rate);
  if (raw.trigger === undefined || !Number.isFinite(raw.trigger) || raw.trigger < 0 || raw.trigger > 1) problems.push('--trigger must be a share between 0 and 1');
  const workflowType = (raw.workflowType ?? 'STANDARD').toUpperCase();
  if (workflowType !== 'STANDARD' && workflowType !== 'EXPRESS') problems.push('--workflow-type must be STANDARD or EXPRESS');
  const regionClass = raw.regionClass ?? 'large';
  if (regionClass !== 'large' && regionClass !== 'small') problems.push('--region-class must be large or small');
  const eventBytes = raw.eventBytes ?? 1024;
  if (!Number.isInteger(eventBytes) || eventBytes < 1 || eventBytes > 256 * 1024) problems.push('--event-bytes must be a whole number of bytes from 1 to 262144');
  if (problems.length > 0) throw new Error(`Invalid capacity input: ${problems.join('; ')}`);
  return {
    rate: raw.rate as number,
    trigger: raw.trigger as number,
    workflowType: workflowType as CapacityInput['workflowType'],
    regionClass: regionClass as RegionClass,
    eventBytes,
  };
}

/** @example const { binding } = capacityModel({ rate: 10_000, trigger: 0.1, workflowType: 'STANDARD', regionClass: 'large', eventBytes: 1024 }) */
export function capacityModel(input: CapacityInput): CapacityReport {
  const { rate, trigger, workflowType, regionClass, eventBytes } = input;
  const a = ASSUMPTIONS;
  const q = (quota: Quota) => quotaIn(quota, regionClass);
  const line = (hop: string, quota: Quota, load: number, setting: string, limit = q(quota), unit: string = quota.unit): QuotaLine => ({
    hop,
    limit,
    unit,
    load,
    utilisation: load / limit,
    setting,
    source: quota.source,
  });
  const starts = rate * trigger;
  const wcu = Math.ceil((eventBytes + a.itemOverheadBytes) / 1024);
  // Put and routed mark, each on the table and on the two ALL-projection indexes (byTime, byCorrelation); byUnrouted is keys only.
  const tableWrites = rate * wcu * 2;
  const byTimeShardWrites = (rate * wcu * 2) / TIME_SHARDS;
  const streamShards = Math.max(1, Math.ceil(tableWrites / q(QUOTAS.partitionWrites)));
  const routerRecordsPerBatchSlot = 1000 / (a.routerMsPerRecord + trigger * a.routerMsPerStart);
  const routerCapacity = streamShards * q(QUOTAS.parallelizationFactor) * routerRecordsPerBatchSlot;
  const neededFactor = Math.min(10, Math.ceil(rate / (streamShards * routerRecordsPerBatchSlot)));
  const ingestSeconds = (a.ingestMsPerEvent + trigger * a.fastPathMsPerStart) / 1000;
  const concurrency = rate * ingestSeconds + streamShards * neededFactor;
  const standard = workflowType === 'STANDARD';
  const kinesisShards = Math.max(Math.ceil(rate / q(QUOTAS.kinesisShardRecords)), Math.ceil((rate * eventBytes) / q(QUOTAS.kinesisShardBytes)));

  const lines: QuotaLine[] = [
    line(
      'API Gateway (account, all APIs)',
      QUOTAS.apiGatewayRate,
      rate,
      `stage throttle edwe:throttle.rateLimit ≥ ${Math.ceil(rate)} (default 500); batch up to 500 events a request to divide the load`,
    ),
    line(
      'DynamoDB Events table (on-demand table quota)',
      QUOTAS.onDemandTableWrites,
      tableWrites,
      `ask for a per-table quota above ${Math.ceil(tableWrites)} WRU/s; pre-warm (warm throughput) to it before the peak`,
    ),
    line(
      `DynamoDB byTime index, one of ${TIME_SHARDS} shards an hour`,
      QUOTAS.partitionWrites,
      byTimeShardWrites,
      `TIME_SHARDS (lambdas/layout/events-table.ts) ≥ ${Math.ceil((rate * wcu * 2) / 1000)}, or smaller events`,
    ),
    line(
      `Router: ${streamShards} stream shard(s) × 10 batches at once`,
      QUOTAS.parallelizationFactor,
      rate,
      `parallelizationFactor ${neededFactor} on the router's mapping`,
      routerCapacity,
      'records/s',
    ),
    line(
      'Lambda concurrency (ingest + router)',
      QUOTAS.lambdaConcurrency,
      concurrency,
      `reserve ${Math.ceil(rate * ingestSeconds)} for ingest; raise the account quota above ${Math.ceil(concurrency)}`,
    ),
    standard
      ? line(
          'StartExecution Standard (refill)',
          QUOTAS.standardStartRefill,
          starts,
          `expectedRatePerSecond ≤ ${q(QUOTAS.standardStartRefill)}, or EXPRESS, or a quota increase`,
        )
      : line('StartExecution Express (refill)', QUOTAS.expressStartRefill, starts, 'EXPRESS needs nothing more below its refill'),
    line('PutEvents (replay at its ceiling)', QUOTAS.putEvents, DEFAULT_REPLAY_MAX_RATE, 'replay maxRatePerSecond (REPLAY_MAX_RATE)'),
    line('Rule target invocations (replay starts)', QUOTAS.targetInvocations, DEFAULT_REPLAY_MAX_RATE, 'replay maxRatePerSecond'),
    { ...line('Kinesis source (if used), per shard', QUOTAS.kinesisShardRecords, rate, `${kinesisShards} shard(s), or on-demand`), optional: true },
  ];
  const binding = lines.filter((l) => l.optional !== true).reduce((worst, l) => (l.utilisation > worst.utilisation ? l : worst));

  const perMillion = 1_000_000;
  const stateWrites = trigger * 3; // an execution record and its two index entries
  const cost = [
    { item: 'API Gateway REST', usd: PRICES.apiGatewayRest.usd },
    { item: 'Lambda ingest (requests + duration)', usd: PRICES.lambdaRequests.usd + perMillion * a.functionMemoryGb * ingestSeconds * PRICES.lambdaArmGbSecond.usd },
    {
      item: 'Lambda router (batches + duration)',
      usd:
        PRICES.lambdaRequests.usd / a.routerBatchSize +
        (perMillion * a.functionMemoryGb * (a.routerMsPerRecord + trigger * a.routerMsPerStart) * PRICES.lambdaArmGbSecond.usd) / 1000,
    },
    { item: 'DynamoDB writes (events, marks, records)', usd: (wcu * 3 + 1) * 2 * PRICES.dynamoWrite.usd + stateWrites * PRICES.dynamoWrite.usd },
    { item: 'DynamoDB reads (the router looks before a start)', usd: trigger * PRICES.dynamoRead.usd },
    standard
      ? { item: 'Step Functions Standard', usd: trigger * a.transitionsPerExecution * PRICES.standardTransition.usd * 1000 }
      : { item: 'Step Functions Express', usd: trigger * (PRICES.expressRequest.usd + perMillion * 0.0625 * a.expressSeconds * PRICES.expressGbSecond.usd) },
    { item: 'CloudWatch Logs', usd: ((perMillion * a.logBytesPerEvent) / 1e9) * PRICES.logsIngested.usd },
  ];
  return { input, lines, binding, cost, costTotal: cost.reduce((sum, c) => sum + c.usd, 0) };
}

/** The report as `npm run capacity` prints it. */
export function formatCapacity(report: CapacityReport): string {
  const { input } = report;
  const n = (v: number) => (v >= 100 ? Math.round(v).toLocaleString('en-US') : String(Math.round(v * 100) / 100));
  const rows = report.lines.map((l) => [l.hop, n(l.load), `${n(l.limit)} ${l.unit}`, `${Math.round(l.utilisation * 100)}%`, l.utilisation >= 0.8 ? l.setting : '']);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => (r[i] as string).length), ['quota', 'load', 'limit', 'used'][i]?.length ?? 0));
  const pad = (r: string[]) => r.map((c, i) => (i < 4 ? c.padEnd(widths[i] ?? 0) : c)).join('  ');
  return [
    `${n(input.rate)} events/s, ${Math.round(input.trigger * 1000) / 10}% start a ${input.workflowType} workflow (${n(input.rate * input.trigger)} starts/s), ${input.regionClass} region, ${input.eventBytes}-byte events`,
    '',
    pad(['quota', 'load', 'limit', 'used', 'set when ≥ 80%']),
    ...rows.map(pad),
    '',
    `binds first: ${report.binding.hop} at ${Math.round(report.binding.utilisation * 100)}% — ${report.binding.setting}`,
    '',
    'cost per million events (us-east-1, on-demand; docs/capacity.md has the prices and their sources):',
    ...report.cost.map((c) => `  ${c.item.padEnd(48)} $${c.usd.toFixed(2)}`),
    `  ${'total'.padEnd(48)} $${report.costTotal.toFixed(2)}`,
  ].join('\n');
}
