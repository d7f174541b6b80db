import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { useEngine } from '../support/engine-process.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

/** Runs `edwe ARGS` as a user would; never throws, so exit codes can be asserted. */
async function edwe(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'bin/edwe.ts', ...args], { cwd: ROOT, env: { ...process.env, NODE_NO_WARNINGS: '1', ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const BASE = Math.floor((Date.now() - 86_400_000) / 3_600_000) * 3_600_000;
const at = (minute: number) => new Date(BASE + minute * 60_000).toISOString();

describe('the edwe CLI against a running engine', () => {
  const engine = useEngine();

  it('sends an event and reads it back with edwe events', async () => {
    const sent = await edwe([
      'send',
      '--url',
      engine.url,
      '--type',
      'user_registration',
      '--source',
      'cli',
      '--id',
      'cli-1',
      '--data',
      '{"userId":"u-cli","user_type":"premium"}',
    ]);
    const listed = await edwe(['events', '--source', 'cli'], { EDWE_URL: engine.url });

    expect(sent).toMatchObject({ code: 0 });
    expect(JSON.parse(sent.stdout)).toEqual({ id: 'cli-1' });
    expect(listed.code).toBe(0);
    expect(
      listed.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).id),
    ).toEqual(['cli-1']);
  });

  it('says clearly when --data is not JSON, exiting 1', async () => {
    const answer = await edwe(['send', '--url', engine.url, '--type', 't', '--source', 's', '--data', '{oops']);

    expect(answer.code).toBe(1);
    expect(answer.stderr).toMatch(/--data is not valid JSON/);
  });

  it("prints the engine's error with its details for a refused event", async () => {
    const answer = await edwe(['send', '--url', engine.url, '--type', 't', '--source', 's'.repeat(300), '--data', '{}']);

    expect(answer.code).toBe(1);
    expect(answer.stderr).toMatch(/400 validation_error/);
    expect(answer.stderr).toMatch(/source: must be at most 256 characters/);
  });

  it('runs a replay with progress and a final summary', async () => {
    await engine.post(
      '/events',
      [0, 1, 2].map((i) => ({ id: `cli-r-${i}`, type: 'user_registration', source: 'cli-replay', timestamp: at(i), data: { userId: `r${i}`, user_type: 'premium' } })),
    );

    const answer = await edwe(['replay', '--url', engine.url, '--from', at(0), '--to', at(10), '--workflow', 'onboarding_workflow', '--dry-run']);

    expect(answer.code).toBe(0);
    expect(answer.stderr).toMatch(/replay \S+ started/);
    expect(answer.stderr).toMatch(/100%.*matched 3.*completed/);
    expect(JSON.parse(answer.stdout)).toMatchObject({ status: 'completed', matched: 3, emitted: 0, eventIds: ['cli-r-0', 'cli-r-1', 'cli-r-2'] });
  });

  it('reports an unreachable engine in one clear line', async () => {
    const answer = await edwe(['events', '--url', 'http://127.0.0.1:9']);

    expect(answer.code).toBe(1);
    expect(answer.stderr).toMatch(/cannot reach the engine at http:\/\/127.0.0.1:9/);
  });

  it("checks the repository's own rules", async () => {
    const answer = await edwe(['rules', 'check']);

    expect(answer).toMatchObject({ code: 0, stdout: expect.stringMatching(/rules in \d+ files?, \d+ workflows?: OK/) });
  });
});
