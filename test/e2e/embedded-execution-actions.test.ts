/**
 * Stop, redrive and bulk actions over real HTTP on an in-process embedded engine. The runner's own stop and redrive
 * are not wired here yet: the engine acts through a small fake `WorkflowControl` that records what it was asked and
 * leaves a redriven execution RUNNING (its run is the runner's business).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedriveOutcome, StoredExecution, WorkflowControl } from '../../lambdas/core/index.js';
import { EmbeddedEngine } from '../../lambdas/embedded/embedded-engine.js';
import { createHttpServer } from '../../lambdas/embedded/http-server.js';
import { createLogger } from '../../lambdas/embedded/logger.js';
import { loadProject } from '../../lambdas/project/load-project.js';
import { bulkActionCommand, executionActionCommand } from '../../cli/execution-action-commands.js';
import { memoryIo } from '../../cli/io.js';
import { registration } from '../support/engine-process.js';

class RecordingControl implements WorkflowControl {
  readonly redriven: string[] = [];
  readonly stopped: string[] = [];
  async stop(execution: StoredExecution): Promise<boolean> {
    this.stopped.push(execution.name);
    return false;
  }
  async redrive(execution: StoredExecution): Promise<RedriveOutcome> {
    this.redriven.push(execution.name);
    return { kind: 'resumed', executionName: execution.name, redriveCount: (execution.redriveCount ?? 0) + 1 };
  }
}

describe('embedded HTTP: stop, redrive and bulk actions', () => {
  let engine: EmbeddedEngine;
  let server: Server;
  let base: string;
  const control = new RecordingControl();
  const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> => {
    const init: RequestInit = { method, headers: { 'content-type': 'application/json' } };
    if (body !== undefined) init.body = JSON.stringify(body);
    const response = await fetch(`${base}${path}`, init);
    return { status: response.status, body: await response.json() };
  };
  const until = async <T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> => {
    for (let i = 0; i < 300; i++) {
      const value = await read();
      if (done(value)) return value;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('timed out waiting');
  };
  const failedNames = async (): Promise<string[]> => (await call('GET', '/executions?status=FAILED&limit=1000')).body.executions.map((e: { name: string }) => e.name);

  beforeAll(async () => {
    const logger = createLogger({ level: 'error', write: () => undefined });
    engine = await EmbeddedEngine.open({ project: loadProject(), dbPath: ':memory:', logger, workflowControl: control });
    server = createHttpServer(engine, logger);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await call('POST', '/events', registration({ id: 'ok-0' }, { userId: 'u-ok' }));
    // A bad email fails the onboarding workflow: 50 FAILED executions to act on.
    await call(
      'POST',
      '/events',
      Array.from({ length: 50 }, (_, i) => registration({ id: `bad-${i}` }, { userId: `u-bad-${i}`, email: 'not-an-email' })),
    );
    await until(failedNames, (names) => names.length === 50);
    await until(
      async () => (await call('GET', '/executions?status=SUCCEEDED')).body.executions.length,
      (n) => n === 1,
    );
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await engine.close();
  });

  it('answers 404 for an unknown execution and 409 for one in the wrong status', async () => {
    const succeeded = (await call('GET', '/executions?status=SUCCEEDED')).body.executions[0].name as string;
    const failed = (await failedNames())[0] as string;

    expect((await call('POST', '/executions/no-such-execution/stop')).status).toBe(404);
    expect((await call('POST', '/executions/no-such-execution/redrive')).status).toBe(404);
    const stopEnded = await call('POST', `/executions/${succeeded}/stop`);
    expect(stopEnded.status).toBe(409);
    expect(stopEnded.body.message).toMatch(/SUCCEEDED: only a RUNNING execution can be stopped/);
    expect((await call('POST', `/executions/${succeeded}/redrive`)).status).toBe(409);
    expect((await call('POST', `/executions/${failed}/stop`)).status).toBe(409);
    expect(control.stopped).toEqual([]);
  });

  it('validates a bulk action body, naming each problem', async () => {
    const bad = await call('POST', '/executions/actions', { action: 'restart', filter: { status: 'DONE', from: 'yesterday' }, ratePerSecond: 5000, extra: 1 });

    expect(bad.status).toBe(400);
    expect(bad.body.details).toEqual(
      expect.arrayContaining([
        { path: 'extra', message: 'unknown field' },
        { path: 'action', message: 'must be "stop" or "redrive"' },
        { path: 'filter.status', message: expect.stringMatching(/^must be one of/) },
        { path: 'filter.from', message: 'must be an ISO 8601 time' },
        { path: 'ratePerSecond', message: 'must be a number from 0.01 to 100' },
      ]),
    );
    expect((await call('GET', '/executions/actions/act-nope')).status).toBe(404);
  });

  it('bulk redrive: a dry run counts what the listing shows, then the run redrives each once, with progress', async () => {
    const listed = await failedNames();
    const dry = await call('POST', '/executions/actions', { action: 'redrive', filter: { workflowId: 'onboarding_workflow', status: 'FAILED' }, dryRun: true });

    expect(dry.status).toBe(202);
    expect(dry.body).toMatchObject({ status: 'completed', matched: listed.length });
    expect(dry.body.sample).toEqual(listed.slice(0, 20));
    expect(control.redriven).toEqual([]);

    const run = await call('POST', '/executions/actions', { action: 'redrive', filter: { workflowId: 'onboarding_workflow', status: 'FAILED' }, ratePerSecond: 100 });
    expect(run.status).toBe(202);
    const done = await until(
      async () => (await call('GET', `/executions/actions/${run.body.actionId}`)).body,
      (view) => view.status !== 'running',
    );

    expect(done).toMatchObject({ status: 'completed', matched: 50, done: 50, failed: 0, skipped: 0, progress: 1 });
    expect([...control.redriven].sort()).toEqual([...listed].sort());
    const one = (await call('GET', `/executions/${listed[0]}`)).body;
    expect(one).toMatchObject({ status: 'RUNNING', redriveCount: 1, redrives: [{ by: `bulk:${run.body.actionId}`, executionName: listed[0] }] });
  });

  it('stop of a running execution ends it ABORTED with a workflow.aborted event of its run', async () => {
    const name = (await call('GET', '/executions?status=RUNNING&limit=1')).body.executions[0].name as string;

    const stopped = await call('POST', `/executions/${name}/stop`);

    expect(stopped.status).toBe(200);
    expect(stopped.body).toMatchObject({ name, status: 'ABORTED', error: { error: 'edwe.Stopped', cause: 'stopped by anonymous' } });
    expect((await call('GET', `/events/${name}.redrive-1.aborted`)).body).toMatchObject({ type: 'workflow.aborted' });
    const again = await call('POST', `/executions/${name}/redrive`);
    expect(again.body).toMatchObject({ status: 'RUNNING', redriveCount: 2, outcome: { kind: 'resumed', redriveCount: 2 } });
  });

  it('a cancelled bulk action stops before its next execution and says so', async () => {
    const started = await call('POST', '/executions/actions', { action: 'stop', filter: { status: 'RUNNING' }, ratePerSecond: 2 });
    await until(
      async () => (await call('GET', `/executions/actions/${started.body.actionId}`)).body,
      (view) => view.done >= 1,
    );

    const cancelled = await call('DELETE', `/executions/actions/${started.body.actionId}`);
    const later = await new Promise((resolve) => setTimeout(resolve, 700)).then(() => call('GET', `/executions/actions/${started.body.actionId}`));

    expect(cancelled.body.status).toBe('cancelled');
    expect(later.body.status).toBe('cancelled');
    expect(later.body.done).toBeLessThan(later.body.matched);
    expect(later.body.progress).toBeLessThan(1);
    expect(later.body.done).toBe(cancelled.body.done);
  });

  it('DELETE wakes an action waiting out its pace: at 0.01 a second (100 s apart) its loop ends at once, cancelled', async () => {
    const started = await call('POST', '/executions/actions', { action: 'stop', filter: { status: 'RUNNING' }, ratePerSecond: 0.01 });
    await until(
      async () => (await call('GET', `/executions/actions/${started.body.actionId}`)).body,
      (view) => view.done >= 1,
    );

    await call('DELETE', `/executions/actions/${started.body.actionId}`);
    // Without the wake this waits out the 100 s pace, far past the test's timeout.
    const ended = await engine.bulkActions.finished(started.body.actionId);

    expect(ended).toMatchObject({ status: 'cancelled', done: 1 });
  });
  describe('the CLI against the same engine', () => {
    it('edwe executions stop NAME prints the stopped execution; an unknown name fails with the 404', async () => {
      const name = (await call('GET', '/executions?status=RUNNING&limit=1')).body.executions[0].name as string;
      const io = memoryIo({ cwd: process.cwd() });

      expect(await executionActionCommand('stop', [name, '--url', base], io)).toBe(0);
      expect(JSON.parse(io.out)).toMatchObject({ name, status: 'ABORTED' });
      await expect(executionActionCommand('redrive', ['no-such-execution', '--url', base], memoryIo({ cwd: process.cwd() }))).rejects.toThrow(/404/);
    });

    it('edwe executions bulk stop: a dry run prints the count, the run prints progress lines (not a terminal) and the end', async () => {
      const running = (await call('GET', '/executions?status=RUNNING&limit=1000')).body.executions.length as number;
      const dry = memoryIo({ cwd: process.cwd() });
      expect(await bulkActionCommand(['stop', '--status', 'running', '--since', '1h', '--dry-run', '--url', base], dry)).toBe(0);
      expect(JSON.parse(dry.out)).toMatchObject({ dryRun: true, matched: running });

      const io = Object.assign(memoryIo({ cwd: process.cwd() }), { isTTY: false, pollMs: 20 });
      const code = await bulkActionCommand(['stop', '--workflow', 'onboarding_workflow', '--rate', '100', '--url', base], io);

      expect(code).toBe(0);
      expect(JSON.parse(io.out)).toMatchObject({ status: 'completed', matched: running, done: running, progress: 1 });
      expect(io.err).toMatch(/\] 100% {2}done \d+ · failed 0 · of \d+ · completed\n$/);
      expect((await call('GET', '/executions?status=RUNNING')).body.executions).toEqual([]);
    });
  });
});
