/**
 * Runs before each test file of the AWS tier: gives the process the environment the Lambda runtime
 * gives a function (region, credentials) with AWS_ENDPOINT_URL pointing every SDK client at moto, so
 * the handlers' own production wiring (`…DepsFromEnv`, clients built with `new XClient({})`) is what
 * talks to it; quiets Powertools; and starts the file on an empty moto.
 */
import { beforeAll, inject } from 'vitest';
import { resetMoto } from './moto.js';

const endpoint = inject('motoEndpoint');

Object.assign(process.env, {
  AWS_ENDPOINT_URL: endpoint,
  AWS_REGION: 'us-east-1',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
  // The handlers' loggers are built at import, after this file: set EDWE_AWS_TIER_LOG_LEVEL=INFO to see them.
  POWERTOOLS_LOG_LEVEL: process.env.EDWE_AWS_TIER_LOG_LEVEL ?? 'SILENT',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_SERVICE_NAME: 'edwe-aws-tier',
});
delete process.env.AWS_PROFILE;
delete process.env.AWS_SESSION_TOKEN;

// Files run one at a time against the one server (fileParallelism: false), each from a clean state.
beforeAll(() => resetMoto(endpoint));
