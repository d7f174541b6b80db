/**
 * Defaults shared by every Lambda of the engine: Node 22 on arm64, traced, bundled by the local
 * esbuild as ESM with the AWS SDK left to the runtime, logs kept for a bounded time in a log group
 * encrypted with the engine's key, and a role of its own that starts with nothing but writing those
 * logs (and X-Ray's segments) — every other permission is granted by name where the function is made.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { ENV } from '../lambdas/layout/environment.js';
import { XRAY_SDK, xrayLayer } from './xray-layer.js';

const LOCK_FILES = ['package-lock.json', 'yarn.lock', 'pnpm-lock.yaml'];

/** The nearest lock file above `dir`: the repository's, or (an installed package ships none) the CDK app's that installed it. */
function findLockFile(dir: string): string | undefined {
  for (let at = dir; ; at = dirname(at)) {
    const found = LOCK_FILES.map((name) => join(at, name)).find((file) => existsSync(file));
    if (found !== undefined || dirname(at) === at) return found;
  }
}

/** The lock file esbuild's bundling reads the dependency versions from. */
export const DEPS_LOCK_FILE = findLockFile(fileURLToPath(new URL('.', import.meta.url)));

/** The repository root (or the app that installed the package): the handlers and the lock file are found from here, whatever the working directory. */
export const PROJECT_ROOT = DEPS_LOCK_FILE === undefined ? fileURLToPath(new URL('..', import.meta.url)) : dirname(DEPS_LOCK_FILE);

/**
 * The entry file of a Lambda in `lambdas/handlers/` (one file per function, `export const handler = lambdaHandler(…)`):
 * the TypeScript source in the repository, the built JavaScript in an installed package.
 */
export const handlerEntry = (name: string): string => {
  const source = fileURLToPath(new URL(`../lambdas/handlers/${name}.ts`, import.meta.url));
  return existsSync(source) ? source : source.replace(/\.ts$/, '.js');
};

/**
 * Gives bundled CommonJS dependencies (the X-Ray SDK under the Powertools tracer) a `require`
 * inside an ESM bundle; without it they fail with "Dynamic require of … is not supported".
 */
export const ESM_REQUIRE_BANNER = "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

/** The CloudWatch metrics namespace of every handler. */
export const METRICS_NAMESPACE = 'edwe';

/** The defaults, before a function's own props are merged over them. */
export function defaultFunctionProps(): NodejsFunctionProps {
  return {
    runtime: lambda.Runtime.NODEJS_22_X,
    architecture: lambda.Architecture.ARM_64,
    tracing: lambda.Tracing.ACTIVE,
    memorySize: 512,
    timeout: Duration.seconds(10),
    projectRoot: PROJECT_ROOT,
    ...(DEPS_LOCK_FILE === undefined ? {} : { depsLockFilePath: DEPS_LOCK_FILE }),
    bundling: {
      format: OutputFormat.ESM,
      target: 'node22',
      mainFields: ['module', 'main'],
      banner: ESM_REQUIRE_BANNER,
      // The runtime provides SDK v3; keeping it out makes small bundles and fast cold starts. The X-Ray SDK
      // (Powertools Tracer's) comes from the engine's layer (lib/xray-layer.ts), attached by createFunction.
      externalModules: ['@aws-sdk/*', XRAY_SDK],
      minify: true,
      // Error classes keep their names: Retry/Catch and batch failure handling match on `error.name`.
      keepNames: true,
      sourceMap: true,
      sourcesContent: false,
      forceDockerBundling: false,
    },
    environment: {
      [ENV.NODE_OPTIONS]: '--enable-source-maps',
      [ENV.POWERTOOLS_METRICS_NAMESPACE]: METRICS_NAMESPACE,
      [ENV.POWERTOOLS_LOG_LEVEL]: 'INFO',
    },
  };
}

/**
 * How a function is invoked, which says where its failures go: `sync` (API Gateway, Step Functions:
 * the caller gets the error), `stream` (an event source mapping: its on-failure destination), `async`
 * (EventBridge: the function's on-failure destination).
 */
export type Invocation = 'sync' | 'stream' | 'async';

/** A function of the engine: its entry, its Powertools service name, and anything to override. */
export interface EdweFunctionProps extends NodejsFunctionProps {
  readonly entry: string;
  /** POWERTOOLS_SERVICE_NAME: names the component in logs, traces and metric dimensions. */
  readonly serviceName: string;
  /** How long the function's logs are kept. Default one month. */
  readonly logRetention?: logs.RetentionDays;
  /** The key that encrypts the function's log group. Default: CloudWatch Logs' own encryption. */
  readonly logKey?: kms.IKey;
  /** How the function is invoked (see `Invocation`). Default `sync`. */
  readonly invocation?: Invocation;
}

const DLQ_REASON: Record<Invocation, string> = {
  sync: 'Invoked synchronously (API Gateway or Step Functions): the caller receives the error; a function DLQ only ever receives asynchronous invocations.',
  stream:
    'Invoked by an event source mapping, whose on-failure destination (an encrypted SQS queue) receives what fails; a function DLQ only ever receives asynchronous invocations.',
  async: 'Asynchronous failures go to the on-failure destination (an encrypted SQS queue), which records the error with the payload; a DLQ would record the payload only.',
};

/**
 * A NodejsFunction with the defaults merged under `props` (bundling and environment merged key by key), the stack's X-Ray layer,
 * its own log group (retention set without the deprecated LogRetention custom resource, encrypted with
 * `logKey`) and its own role, allowed to write that log group and nothing else until granted more.
 */
export function createFunction(scope: Construct, id: string, props: EdweFunctionProps): NodejsFunction {
  const { serviceName, logRetention, logKey, invocation, ...overrides } = props;
  const defaults = defaultFunctionProps();
  // A group given in `props` is a whole ILogGroup (the CDK type names only its reference).
  const logGroup: logs.ILogGroup =
    (overrides.logGroup as logs.ILogGroup | undefined) ??
    new logs.LogGroup(scope, `${id}Logs`, { retention: logRetention ?? logs.RetentionDays.ONE_MONTH, ...(logKey === undefined ? {} : { encryptionKey: logKey }) });
  const role = overrides.role ?? new iam.Role(scope, `${id}Role`, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), description: `edwe ${serviceName}: ${id}` });
  // Instead of AWSLambdaBasicExecutionRole (logs:* on every log group): its own group's streams only.
  role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'WriteOwnLogs', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));
  const fn = new NodejsFunction(scope, id, {
    ...defaults,
    ...overrides,
    logGroup,
    role,
    // Every function bundles Powertools Tracer, which imports the X-Ray SDK left out of the bundle.
    layers: [xrayLayer(scope), ...(overrides.layers ?? [])],
    bundling: { ...defaults.bundling, ...overrides.bundling },
    environment: { ...defaults.environment, [ENV.POWERTOOLS_SERVICE_NAME]: serviceName, ...overrides.environment },
  });
  acknowledgeFunctionRules(fn, role, invocation ?? 'sync');
  return fn;
}

/** The cdk-nag findings every engine function has on purpose, each with its reason. */
function acknowledgeFunctionRules(fn: NodejsFunction, role: iam.IRole, invocation: Invocation): void {
  const runtime = 'nodejs22.x is pinned on purpose: the bundle targets node22 and the test suite runs on that runtime; a runtime upgrade is a deliberate, tested change.';
  Validations.of(fn).acknowledge({ id: 'AwsSolutions-L1', reason: runtime });
  Validations.of(fn).acknowledge({ id: 'Serverless-LambdaLatestVersion', reason: runtime });
  Validations.of(fn).acknowledge({ id: 'Serverless-LambdaDLQ', reason: DLQ_REASON[invocation] });
  // Active tracing adds xray:PutTraceSegments and xray:PutTelemetryRecords; a DynamoDB stream mapping adds dynamodb:ListStreams.
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'Only actions without resource-level permissions use "*": X-Ray PutTraceSegments/PutTelemetryRecords (active tracing) and dynamodb:ListStreams (stream mapping); test/infra/least-privilege.test.ts holds every "*" statement to that list.',
  });
}
