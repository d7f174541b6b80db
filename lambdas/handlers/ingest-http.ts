/**
 * The HTTP ingest Lambda behind API Gateway (lib/ingestion.ts): `POST /events` and the webhook
 * paths store events once, if the caller may publish their source; `GET /events/{id}` reads one
 * back. The adapter is lambdas/aws/http/ingest-http.ts.
 */
import { createIngestHandler } from '../aws/http/ingest-http.js';
import { lambdaHandler } from '../aws/lambda-handler.js';
import { ingestDepsFromEnv } from '../aws/wiring/ingest.js';

/** The Lambda entry point. */
export const handler = lambdaHandler(ingestDepsFromEnv, createIngestHandler);
