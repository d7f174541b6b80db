/**
 * From the seed configuration (`event_driven_workflow_engine:`, parsed by core's `parseEngineConfig`)
 * to what the CDK app builds: the Kinesis streams, Kafka mappings, webhook routes, the bus name and
 * the retention. The parser checks each field's form; this checks what only a deployment cares about
 * (a Kafka source's secret, a provisioned stream's shard count, a route AWS would refuse) and names
 * the key in the seed's spelling, so `cdk synth` fails before anything is deployed. A Kafka source
 * with no cluster at all (as in the seed's example) is left out with a warning instead.
 */
import type { EngineConfig, EventBridgeSourceConfig, KafkaSourceConfig, KinesisSourceConfig } from '../lambdas/core/index.js';

/** What the stack builds from the configuration. */
export interface SourcesPlan {
  /** Days an event is kept (the table's TTL): the configured retention rounded up to whole days. */
  retentionDays?: number;
  kinesis: KinesisSourceConfig[];
  kafka: KafkaSourceConfig[];
  /** Extra `POST` paths on the API that ingest like `POST /events`. */
  webhookPaths: string[];
  eventBridge?: EventBridgeSourceConfig;
  /** Sources left out, and why (shown by `cdk synth` as warnings): e.g. a Kafka source with no cluster to connect to. */
  warnings: string[];
}

/** The configuration cannot be deployed; the message names each key and what is wrong with it. */
export class EngineConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`The engine configuration cannot be deployed:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'EngineConfigError';
    this.problems = problems;
  }
}

// Lambda's limits on a stream or Kafka event source mapping's batch.
const MAX_BATCH_SIZE = 10_000;
// Kinesis' default quota on a provisioned stream's shards per account and region.
const MAX_SHARDS = 500;
// The API's own routes: a webhook may add `/events` (already there) but no other path of the contract.
const RESERVED_PATHS = ['/correlations', '/executions', '/replays', '/rules', '/health'];
const PATH_SEGMENT = /^[A-Za-z0-9._~-]+$/;
const BUS_NAME = /^[/.\-_A-Za-z0-9]{1,256}$/;

/**
 * Checks the configuration for deployment and plans the sources.
 * @throws EngineConfigError listing every problem, e.g. `event_sources[1] (kafka): bootstrap_servers needs secret_arn …`
 * @example const plan = planSources(project.config)
 */
export function planSources(config: EngineConfig | undefined): SourcesPlan {
  const plan: SourcesPlan = { kinesis: [], kafka: [], webhookPaths: [], warnings: [] };
  if (config === undefined) return plan;
  const problems: string[] = [];
  config.eventSources.forEach((source, i) => {
    const where = `event_sources[${i}] (${source.type})`;
    const before = problems.length;
    switch (source.type) {
      case 'kinesis':
        problems.push(...kinesisProblems(source, where));
        if (problems.length === before) plan.kinesis.push(source);
        break;
      case 'kafka':
        // The seed's own example names topics only: accepted as written, but there is nothing to connect to.
        if (source.clusterArn === undefined && source.bootstrapServers === undefined) {
          plan.warnings.push(
            `${where}: no cluster_arn (Amazon MSK) or bootstrap_servers with secret_arn (self-managed Kafka); no event source mapping is created for topics ${source.topics.join(', ')}`,
          );
          break;
        }
        problems.push(...kafkaProblems(source, where));
        if (problems.length === before) plan.kafka.push(source);
        break;
      case 'webhook':
        for (const path of source.endpoints) {
          const problem = webhookPathProblem(path);
          if (problem !== undefined) problems.push(`${where}.endpoints: "${path}" ${problem}`);
          else if (path !== '/events' && !plan.webhookPaths.includes(path)) plan.webhookPaths.push(path);
        }
        break;
      case 'eventbridge':
        if (plan.eventBridge !== undefined) problems.push(`${where}: the engine has one event bus; only one eventbridge source may be configured`);
        else if (source.busName !== undefined && (!BUS_NAME.test(source.busName) || source.busName === 'default')) {
          problems.push(`${where}.bus_name: "${source.busName}" must be 1 to 256 of A-Z a-z 0-9 . - _ / and not "default"`);
        } else plan.eventBridge = source;
        break;
    }
  });
  const names = plan.kinesis.map((s) => s.streamName).filter((n): n is string => n !== undefined);
  for (const name of new Set(names)) {
    if (names.indexOf(name) !== names.lastIndexOf(name)) problems.push(`event_sources: two kinesis sources name the stream "${name}"`);
  }
  if (problems.length > 0) throw new EngineConfigError(problems);
  plan.retentionDays = Math.max(1, Math.ceil(config.eventSourcing.retentionSeconds / 86_400));
  return plan;
}

function kinesisProblems(source: KinesisSourceConfig, where: string): string[] {
  const problems: string[] = [];
  const mode = source.mode ?? 'on-demand';
  if (mode === 'provisioned' && source.shardCount === undefined) problems.push(`${where}.shard_count: required with mode: provisioned`);
  if (mode === 'on-demand' && source.shardCount !== undefined) problems.push(`${where}.shard_count: only for mode: provisioned (on-demand streams scale by themselves)`);
  if (source.shardCount !== undefined && source.shardCount > MAX_SHARDS) problems.push(`${where}.shard_count: at most ${MAX_SHARDS}, got ${source.shardCount}`);
  if (source.batchSize !== undefined && source.batchSize > MAX_BATCH_SIZE) problems.push(`${where}.batch_size: at most ${MAX_BATCH_SIZE}, got ${source.batchSize}`);
  if (source.streamName !== undefined && !/^[A-Za-z0-9_.-]{1,128}$/.test(source.streamName)) {
    problems.push(`${where}.stream_name: "${source.streamName}" must be 1 to 128 of A-Z a-z 0-9 _ . -`);
  }
  return problems;
}

function kafkaProblems(source: KafkaSourceConfig, where: string): string[] {
  const problems: string[] = [];
  if (source.clusterArn !== undefined && !/^arn:[^:]+:kafka:[^:]*:\d{12}:cluster\/.+/.test(source.clusterArn)) {
    problems.push(`${where}.cluster_arn: "${source.clusterArn}" is not an MSK cluster ARN (arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>)`);
  }
  if (source.bootstrapServers !== undefined) {
    if (source.secretArn === undefined) problems.push(`${where}.secret_arn: required with bootstrap_servers (a Secrets Manager secret with the SASL/SCRAM credentials)`);
    for (const server of source.bootstrapServers) {
      if (!/^[A-Za-z0-9.-]+:\d{1,5}$/.test(server)) problems.push(`${where}.bootstrap_servers: "${server}" must be host:port`);
    }
  }
  if (source.secretArn !== undefined && !/^arn:[^:]+:secretsmanager:[^:]*:\d{12}:secret:.+/.test(source.secretArn)) {
    problems.push(`${where}.secret_arn: "${source.secretArn}" is not a Secrets Manager secret ARN`);
  }
  if (source.batchSize !== undefined && source.batchSize > MAX_BATCH_SIZE) problems.push(`${where}.batch_size: at most ${MAX_BATCH_SIZE}, got ${source.batchSize}`);
  for (const topic of source.topics) {
    if (!/^[A-Za-z0-9._-]{1,249}$/.test(topic)) problems.push(`${where}.topics: "${topic}" is not a Kafka topic name (1 to 249 of A-Z a-z 0-9 . _ -)`);
  }
  return problems;
}

function webhookPathProblem(path: string): string | undefined {
  const segments = path.split('/').slice(1);
  if (segments.length === 0 || segments.some((s) => !PATH_SEGMENT.test(s))) return 'must be a path of plain segments, e.g. /webhooks/github (no {parameters}, no trailing /)';
  if (RESERVED_PATHS.some((reserved) => path === reserved || path.startsWith(`${reserved}/`))) return "is a path of the engine's own API";
  if (path.startsWith('/events/')) return 'would shadow GET /events/{id}';
  return undefined;
}
