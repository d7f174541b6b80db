import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { useEngine } from '../support/engine-process.js';

const run = promisify(execFile);
const hasAwsCli = spawnSync('aws', ['--version'], { stdio: 'ignore' }).status === 0;
// Said out loud: a skipped client test must not pass for a tested one.
if (!hasAwsCli) console.warn('AWS tier: the AWS CLI is not on PATH, so the `aws events put-events` test is skipped (pip install awscli)');

/** `aws events put-events` against the engine, as a user would type it; answers the CLI's JSON output. */
async function awsPutEvents(endpoint: string, entries: unknown[]): Promise<{ FailedEntryCount: number; Entries: Array<{ EventId?: string; ErrorCode?: string }> }> {
  const { stdout } = await run(
    'aws',
    ['events', 'put-events', '--endpoint-url', endpoint, '--region', 'us-east-1', '--output', 'json', '--entries', JSON.stringify(entries)],
    {
      env: { ...process.env, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', AWS_PAGER: '' },
    },
  );
  return JSON.parse(stdout);
}

describe.skipIf(!hasAwsCli)('the AWS CLI as a real client of the embedded engine (aws events put-events --endpoint-url)', () => {
  const engine = useEngine();

  it('stores the events it puts and routes them by the rules', async () => {
    const answer = await awsPutEvents(engine.url, [
      { Source: 'web-app', DetailType: 'user_registration', Detail: JSON.stringify({ userId: 'u-cli', email: 'cli@example.com', user_type: 'premium' }) },
      { Source: 'web-app', DetailType: 'user_registration', Detail: JSON.stringify({ userId: 'u-cli-2', user_type: 'basic' }) },
    ]);

    expect(answer.FailedEntryCount).toBe(0);
    const [premium, basic] = answer.Entries.map((entry) => entry.EventId as string);
    expect((await engine.get(`/events/${premium}`)).body).toMatchObject({
      id: premium,
      type: 'user_registration',
      source: 'web-app',
      data: { userId: 'u-cli', user_type: 'premium' },
    });
    const { executions } = await engine.waitFor(`/executions?eventId=${premium}`, (body) => body.executions?.[0]?.status === 'SUCCEEDED');
    expect(executions).toMatchObject([{ workflowId: 'onboarding_workflow', ruleId: 'premium-onboarding', eventId: premium }]);
    expect((await engine.get(`/executions?eventId=${basic}`)).body.executions).toEqual([]);
  });

  it('reports an entry the engine refuses in the CLI output, with its error code', async () => {
    const answer = await awsPutEvents(engine.url, [{ Source: 'web-app', DetailType: 'user_registration', Detail: '{not json' }]);

    expect(answer.FailedEntryCount).toBe(1);
    expect(answer.Entries).toEqual([expect.objectContaining({ ErrorCode: 'InvalidArgument' })]);
  });
});
