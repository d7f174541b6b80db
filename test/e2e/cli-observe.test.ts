/**
 * `edwe executions list` and `edwe events tail` against a running `edwe dev`: the tail on the live stream, and
 * (with `--aws`) by polling `GET /events`, as it does against a deployed stack.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { eventsTailCommand, executionsListCommand, isAwsUrl } from '../../cli/observe-commands.js';
import type { CliIo } from '../../cli/io.js';
import { registration, useEngine } from '../support/engine-process.js';

function fakeIo() {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { stdout: (s) => void out.push(s), stderr: (s) => void err.push(s), readStdin: async () => '', cwd: process.cwd() };
  const lines = () =>
    out
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { io, lines, err };
}

async function until(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('edwe executions list and edwe events tail', () => {
  const engine = useEngine();

  it('lists executions newest first, narrowed by workflow, status and age', async () => {
    await engine.post('/events', registration({ id: 'cli-ok' }));
    await engine.post('/events', registration({ id: 'cli-bad' }, { email: 'nope' }));
    await engine.waitFor('/executions?status=FAILED', (b) => b.executions?.length === 1);
    await engine.waitFor('/executions?status=SUCCEEDED', (b) => b.executions?.length === 1);
    const failed = fakeIo();
    const all = fakeIo();
    const none = fakeIo();

    await executionsListCommand(['--url', engine.url, '--status', 'failed', '--workflow', 'onboarding_workflow', '--since', '1h'], failed.io);
    await executionsListCommand(['--url', engine.url], all.io);
    // "Since a minute ago" as seen from two hours later: nothing.
    await executionsListCommand(['--url', engine.url, '--since', '1m'], none.io, () => Date.now() + 2 * 3_600_000);

    expect(failed.lines().map((e) => e.eventId)).toEqual(['cli-bad']);
    expect(all.lines().map((e) => e.eventId)).toEqual(['cli-bad', 'cli-ok']);
    expect(none.lines()).toEqual([]);
    await expect(executionsListCommand(['--url', engine.url, '--since', 'soon'], fakeIo().io)).rejects.toThrow(/--since must be a duration/);
  });

  it('tails the live stream, filtered by the pattern, until stopped', async () => {
    const tail = fakeIo();
    const stop = new AbortController();
    const running = eventsTailCommand(['--url', engine.url, '--pattern', '{"source":["tail-live"]}'], tail.io, stop.signal);
    await new Promise((resolve) => setTimeout(resolve, 200));

    await engine.post('/events', { id: 'tail-1', type: 't', source: 'tail-live' });
    await engine.post('/events', { id: 'tail-other', type: 't', source: 'elsewhere' });
    await engine.post('/events', { id: 'tail-2', type: 't', source: 'tail-live' });
    await until(() => tail.lines().length === 2);
    stop.abort();

    expect(await running).toBe(0);
    expect(tail.lines().map((e) => e.id)).toEqual(['tail-1', 'tail-2']);
  });

  it('polls GET /events after the last event seen with --aws, as against a deployed stack', async () => {
    // --aws signs with SigV4 from the credential chain: fixed test credentials (a token-less engine ignores the signature).
    const saved = { region: process.env.AWS_REGION, key: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    Object.assign(process.env, { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'AKIDTESTTAIL', AWS_SECRET_ACCESS_KEY: 'test-secret' });
    onTestFinished(() => {
      for (const [name, value] of [
        ['AWS_REGION', saved.region],
        ['AWS_ACCESS_KEY_ID', saved.key],
        ['AWS_SECRET_ACCESS_KEY', saved.secret],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    });
    const tail = fakeIo();
    const stop = new AbortController();
    const running = eventsTailCommand(['--url', engine.url, '--aws', '--interval', '50ms', '--pattern', '{"source":["tail-poll"]}'], tail.io, stop.signal);
    await new Promise((resolve) => setTimeout(resolve, 100));

    await engine.post('/events', { id: 'poll-1', type: 't', source: 'tail-poll' });
    await until(() => tail.lines().length === 1);
    await engine.post('/events', { id: 'poll-2', type: 't', source: 'tail-poll' });
    await until(() => tail.lines().length === 2);
    stop.abort();
    await running;

    expect(tail.lines().map((e) => e.id)).toEqual(['poll-1', 'poll-2']);
    expect(tail.err.join('')).toMatch(/polling GET \/events/);
  });

  it('recognises a deployed stack by its API Gateway URL', () => {
    expect(isAwsUrl('https://abc123.execute-api.eu-west-1.amazonaws.com/prod')).toBe(true);
    expect(isAwsUrl('http://127.0.0.1:3000')).toBe(false);
  });
});
