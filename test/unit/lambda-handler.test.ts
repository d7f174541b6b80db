import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { Context } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { lambdaHandler } from '../../lambdas/aws/lambda-handler.js';
import { EnvironmentError, parseEnv, requiredVar } from '../../lambdas/aws/wiring/env.js';
import { ENV } from '../../lambdas/layout/environment.js';
import { z } from 'zod';

const HANDLERS = fileURLToPath(new URL('../../lambdas/handlers/', import.meta.url));
const ENTRIES = readdirSync(HANDLERS).filter((name) => name.endsWith('.ts'));

/** A Lambda context as far as the Powertools middlewares read it. */
const context = (): Context => ({
  callbackWaitsForEmptyEventLoop: true,
  functionName: 'edwe-test',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:edwe-test',
  memoryLimitInMB: '256',
  awsRequestId: 'request-1',
  logGroupName: '/aws/lambda/edwe-test',
  logStreamName: 'stream',
  getRemainingTimeInMillis: () => 30_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
});

/** Powertools utilities that write nothing; the metrics' flush is watched. */
function quietPowertools() {
  const metrics = new Metrics({ namespace: 'edwe-test', serviceName: 'edwe-test' });
  const publish = vi.spyOn(metrics, 'publishStoredMetrics').mockImplementation(() => metrics);
  const coldStart = vi.spyOn(metrics, 'captureColdStartMetric').mockImplementation(() => undefined);
  return { options: { logger: new Logger({ logLevel: 'SILENT' }), tracer: new Tracer({ enabled: false }), metrics }, publish, coldStart };
}

describe('lambdaHandler', () => {
  it('builds the dependencies on the first invocation, once per container, and hands each invocation its event and context', async () => {
    const { options } = quietPowertools();
    const buildDeps = vi.fn(() => ({ greeting: 'hello' }));
    const seen: Array<[unknown, string]> = [];
    const handler = lambdaHandler(
      buildDeps,
      (deps) => async (event: { name: string }, ctx: Context) => {
        seen.push([event, ctx.awsRequestId]);
        return `${deps.greeting} ${event.name}`;
      },
      options,
    );

    expect(buildDeps).not.toHaveBeenCalled();
    await expect(handler({ name: 'a' }, context())).resolves.toBe('hello a');
    await expect(handler({ name: 'b' }, context())).resolves.toBe('hello b');
    expect(buildDeps).toHaveBeenCalledTimes(1);
    expect(seen).toEqual([
      [{ name: 'a' }, 'request-1'],
      [{ name: 'b' }, 'request-1'],
    ]);
  });

  it('flushes the metrics after every invocation and captures the cold start', async () => {
    const { options, publish, coldStart } = quietPowertools();
    const handler = lambdaHandler(
      () => ({}),
      () => async () => 'done',
      options,
    );

    await handler({}, context());
    await handler({}, context());

    expect(publish).toHaveBeenCalledTimes(2);
    expect(coldStart).toHaveBeenCalled();
  });

  it('fails the invocation naming each missing variable, and builds again on the next one', async () => {
    const { options } = quietPowertools();
    const env: Record<string, string | undefined> = {};
    const handler = lambdaHandler(
      () => parseEnv(z.object({ [ENV.EVENTS_TABLE]: requiredVar(), [ENV.STATE_TABLE]: requiredVar() }), env),
      (config) => async () => config.EVENTS_TABLE,
      options,
    );

    await expect(handler({}, context())).rejects.toThrow(new EnvironmentError('Invalid environment: EVENTS_TABLE is not set; STATE_TABLE is not set'));
    env.EVENTS_TABLE = 'events';
    env.STATE_TABLE = 'state';
    await expect(handler({}, context())).resolves.toBe('events');
  });
});

describe('the Lambda entries (lambdas/handlers/)', () => {
  it('are one file per function, each exporting only its lambdaHandler', async () => {
    expect(ENTRIES.length).toBeGreaterThan(0);
    for (const entry of ENTRIES) {
      const module = (await import(`${HANDLERS}${entry}`)) as Record<string, unknown>;
      expect([entry, Object.keys(module)]).toEqual([entry, ['handler']]);
      expect([entry, typeof module.handler]).toEqual([entry, 'function']);
      expect([entry, readFileSync(`${HANDLERS}${entry}`, 'utf8')]).toEqual([entry, expect.stringContaining('export const handler = lambdaHandler(')]);
    }
  });

  it('fail their first invocation outside Lambda naming the missing variable, not at import', async () => {
    const { handler } = await import('../../lambdas/handlers/query-http.js');

    await expect(handler({} as never, context())).rejects.toThrow('Invalid environment: EVENTS_TABLE is not set');
  });
});
