/**
 * The Kinesis ingest Lambda (lib/kinesis-ingestion.ts): each record's data is an event; a refused
 * record goes to the dead-letter queue, a store outage reports that record as a batch item failure.
 * The adapter is lambdas/aws/streams/ingest-kinesis.ts.
 */
import { lambdaHandler } from '../aws/lambda-handler.js';
import { createKinesisIngestHandler } from '../aws/streams/ingest-kinesis.js';
import { kinesisDepsFromEnv } from '../aws/wiring/ingest.js';

/** The Lambda entry point. */
export const handler = lambdaHandler(kinesisDepsFromEnv, createKinesisIngestHandler);
