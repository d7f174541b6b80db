/**
 * The ingest functions' wiring: from the environment the ingestion constructs set (lib/ingestion.ts,
 * lib/bus-ingestion.ts, lib/kinesis-ingestion.ts, lib/kafka-ingestion.ts) to each adapter's dependencies.
 */
import { randomBytes } from 'node:crypto';
import * as z from '../../core/schema.js';
import { compileAccessPolicy, parseAccessPolicy } from '../../core/access.js';
import { liveEnvelope } from '../../core/index.js';
import { ENV } from '../../layout/environment.js';
import type { EventBridgeIngestDeps } from '../eventbridge/ingest-eventbridge.js';
import type { IngestHttpDeps } from '../http/ingest-http.js';
import type { KafkaIngestDeps } from '../streams/ingest-kafka.js';
import type { KinesisIngestDeps } from '../streams/ingest-kinesis.js';
import { parseEnv } from './env.js';
import { fastPathFromEnv } from './fast-path.js';
import { fieldsFromEnv } from './field-encryption.js';
import { DeadLetterEnv, deadLettersFrom, storeFrom, StoreEnv } from './events.js';
import { logger, metrics, traced, tracer } from './powertools.js';

type Env = Record<string, string | undefined>;

/** The access policy the `Ingestion` construct hands over (JSON of core's `AccessPolicy`); unset: open to every authorised caller. */
const AccessEnv = z.object({
  [ENV.ACCESS_POLICY]: z.pipe(
    z.optional(z.string()),
    z.transform((text: string | undefined, ctx) => {
      if (text === undefined || text === '') return undefined;
      try {
        return parseAccessPolicy(JSON.parse(text));
      } catch (error) {
        ctx.issues.push({ code: 'custom', message: `must be the JSON of an access policy (${(error as Error).message})`, input: text });
        return z.NEVER;
      }
    }),
  ),
});

/**
 * The HTTP ingest function's dependencies, from the environment the `Ingestion` construct sets; with
 * state machines in it, the fast path too (`rulesJson` for tests; the bundle's rules otherwise).
 */
export function ingestDepsFromEnv(env: Env = process.env, rulesJson?: string): IngestHttpDeps {
  const config = parseEnv(z.extend(StoreEnv, AccessEnv.shape), env);
  // One FieldEncryption for ingest and the fast path: the data key that sealed an event opens it for its workflow.
  const { fields } = fieldsFromEnv(env, traced);
  const fastPath = fastPathFromEnv(env, rulesJson, fields);
  return {
    store: storeFrom(config),
    ...(fields === undefined ? {} : { fields }),
    envelope: liveEnvelope({ now: () => Date.now() }, randomBytes),
    ...(config.ACCESS_POLICY === undefined ? {} : { access: compileAccessPolicy(config.ACCESS_POLICY) }),
    logger,
    metrics,
    tracer,
    ...(fastPath === undefined ? {} : { fastPath }),
  };
}

/** The EventBridge ingest function's dependencies, from the environment the `BusIngestion` construct sets. */
export function eventBridgeDepsFromEnv(env: Env = process.env): EventBridgeIngestDeps {
  return { store: storeFrom(parseEnv(StoreEnv, env)), ...fieldsFromEnv(env, traced), logger, metrics };
}

/** The Events table and the dead-letter queue: what a stream ingest function stores to and refuses to. */
const StreamIngestEnv = z.extend(StoreEnv, DeadLetterEnv.shape);

/** The Kinesis ingest function's dependencies, from the environment the `KinesisIngestion` construct sets. */
export function kinesisDepsFromEnv(env: Env = process.env): KinesisIngestDeps {
  const config = parseEnv(StreamIngestEnv, env);
  return { store: storeFrom(config), deadLetters: deadLettersFrom(config), ...fieldsFromEnv(env, traced), logger, metrics };
}

/** The Kafka ingest function's dependencies, from the environment the `KafkaIngestion` construct sets. */
export function kafkaDepsFromEnv(env: Env = process.env): KafkaIngestDeps {
  const config = parseEnv(StreamIngestEnv, env);
  return { store: storeFrom(config), deadLetters: deadLettersFrom(config), ...fieldsFromEnv(env, traced), logger, metrics };
}
