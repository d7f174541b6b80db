/**
 * The Kafka ingest Lambda (MSK or self-managed, lib/kafka-ingestion.ts): each record's value is an
 * event; a refused record goes to the dead-letter queue, a store outage stops its partition at that
 * offset (a batch item failure). The adapter is lambdas/aws/streams/ingest-kafka.ts.
 */
import { lambdaHandler } from '../aws/lambda-handler.js';
import { createKafkaIngestHandler } from '../aws/streams/ingest-kafka.js';
import { kafkaDepsFromEnv } from '../aws/wiring/ingest.js';

/** The Lambda entry point. */
export const handler = lambdaHandler(kafkaDepsFromEnv, createKafkaIngestHandler);
