/**
 * Defaults shared by every Lambda of the engine: Node 22 on arm64, traced, bundled by the local
 * esbuild as ESM with the AWS SDK left to the runtime, logs kept for a bounded time.
 */
import { fileURLToPath } from 'node:url';
import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/** The repository root: the handlers and the lock file are found from here, whatever the working directory. */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The entry file of a handler in `lambdas/handlers/`. */
export const handlerEntry = (name: string): string => fileURLToPath(new URL(`../lambdas/handlers/${name}.ts`, import.meta.url));

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
    depsLockFilePath: fileURLToPath(new URL('../package-lock.json', import.meta.url)),
    bundling: {
      format: OutputFormat.ESM,
      target: 'node22',
      mainFields: ['module', 'main'],
      banner: ESM_REQUIRE_BANNER,
      // The runtime provides SDK v3; keeping it out makes small bundles and fast cold starts.
      externalModules: ['@aws-sdk/*'],
      minify: true,
      // Error classes keep their names: Retry/Catch and batch failure handling match on `error.name`.
      keepNames: true,
      sourceMap: true,
      sourcesContent: false,
      forceDockerBundling: false,
    },
    environment: {
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      POWERTOOLS_LOG_LEVEL: 'INFO',
    },
  };
}

/** A function of the engine: its entry, its Powertools service name, and anything to override. */
export interface EdweFunctionProps extends NodejsFunctionProps {
  readonly entry: string;
  /** POWERTOOLS_SERVICE_NAME: names the component in logs, traces and metric dimensions. */
  readonly serviceName: string;
  /** How long the function's logs are kept. Default one month. */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * A NodejsFunction with the defaults merged under `props` (bundling and environment merged key by key)
 * and its own log group, so that retention is set without the deprecated LogRetention custom resource.
 */
export function createFunction(scope: Construct, id: string, props: EdweFunctionProps): NodejsFunction {
  const { serviceName, logRetention, ...overrides } = props;
  const defaults = defaultFunctionProps();
  const logGroup = overrides.logGroup ?? new logs.LogGroup(scope, `${id}Logs`, { retention: logRetention ?? logs.RetentionDays.ONE_MONTH });
  return new NodejsFunction(scope, id, {
    ...defaults,
    ...overrides,
    logGroup,
    bundling: { ...defaults.bundling, ...overrides.bundling },
    environment: { ...defaults.environment, POWERTOOLS_SERVICE_NAME: serviceName, ...overrides.environment },
  });
}
