/**
 * The EventBridge ingest Lambda, target of the engine bus's forwarding rule (lib/bus-ingestion.ts):
 * each event is stored once; one refused for its content is thrown and, after Lambda's retries,
 * lands in the dead-letter queue. The adapter is lambdas/aws/eventbridge/ingest-eventbridge.ts.
 */
import { createEventBridgeIngestHandler } from '../aws/eventbridge/ingest-eventbridge.js';
import { lambdaHandler } from '../aws/lambda-handler.js';
import { eventBridgeDepsFromEnv } from '../aws/wiring/ingest.js';

/** The Lambda entry point. */
export const handler = lambdaHandler(eventBridgeDepsFromEnv, createEventBridgeIngestHandler);
