/**
 * BulkActions' durability: a bulk redrive of 50 failed executions that dies in the middle — between its budget's end,
 * between redriving an execution and saving its progress, or between writing a redrive to the record and sending it — resumes from its cursor in a new process (a new
 * BulkActions on the same database file) and redrives each execution exactly once. The home is a fake
 * WorkflowControl; records, jobs and redrive history are the real SQLite stores and ExecutionActions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BulkActions,
  ExecutionActions,
  ExecutionLifecycle,
  executionName,
  parseBulkActionRequest,
  type RedriveOutcome,
  type StoredExecution,
  type WorkflowControl,
} from '../../lambdas/core/index.js';
import { GroupCommit } from '../../lambdas/embedded/group-commit.js';
import { openDatabase, type SqliteDatabase } from '../../lambdas/embedded/sqlite-database.js';
import { SqliteExecutionStore } from '../../lambdas/embedded/sqlite-execution-store.js';
import { SqliteReplayJobStore } from '../../lambdas/embedded/sqlite-replay-job-store.js';

const NOW = Date.now();
const at = (second: number): string => new Date(NOW + second * 1000).toISOString();
const dirs: string[] = [];
const dbs: SqliteDatabase[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) if (db.open) db.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/**
 * Redrives every execution it is asked to, counting redrives per name — one per (name, redrive count), as Step Functions
 * takes a redrive sent again with the same client token as the same one — and every request in `sends`; `dieAfter`
 * throws once after that many (a crash after acting).
 */
class CountingControl implements WorkflowControl {
  readonly redrives = new Map<string, number>();
  readonly sends: string[] = [];
  readonly #tokens = new Set<string>();
  constructor(private dieAfter = Number.POSITIVE_INFINITY) {}
  async stop(): Promise<boolean> {
    return false;
  }
  async redrive(execution: StoredExecution): Promise<RedriveOutcome> {
    const redriveCount = (execution.redriveCount ?? 0) + 1;
    this.sends.push(execution.name);
    if (!this.#tokens.has(`${execution.name}/${redriveCount}`)) this.redrives.set(execution.name, (this.redrives.get(execution.name) ?? 0) + 1);
    this.#tokens.add(`${execution.name}/${redriveCount}`);
    return { kind: 'resumed', executionName: execution.name, redriveCount };
  }
  get total(): number {
    return [...this.redrives.values()].reduce((a, b) => a + b, 0);
  }
  /** Called after the redrive is recorded: the process dies before the job saves its progress. */
  maybeDie(): void {
    if (this.total >= this.dieAfter) {
      this.dieAfter = Number.POSITIVE_INFINITY;
      throw new Error('process killed');
    }
  }
}

/** One "process": the stores on the database file, ExecutionActions, BulkActions. */
function aProcess(path: string, control: CountingControl, { killAfterRedriveWrite = 0 } = {}) {
  const db = openDatabase(path);
  dbs.push(db);
  const writes = new GroupCommit(db);
  const executions = new SqliteExecutionStore(db, writes);
  const clock = { now: () => NOW + 60_000 };
  const lifecycle = new ExecutionLifecycle({ executions, events: { put: async () => ({ duplicate: false }) as never }, clock });
  let redriveWrites = 0;
  // `killAfterRedriveWrite`: that redrive's record write lands, and the process dies before the home is asked.
  const records = {
    get: (name: string) => executions.get(name),
    setRedrive: async (...args: Parameters<SqliteExecutionStore['setRedrive']>) => {
      const written = await executions.setRedrive(...args);
      if (++redriveWrites === killAfterRedriveWrite) throw new Error('process killed');
      return written;
    },
  };
  const actions = new ExecutionActions({ executions: records, control, lifecycle, clock });
  const dying = {
    stop: actions.stop.bind(actions),
    resendRedrive: actions.resendRedrive.bind(actions),
    redrive: async (name: string, by: string) => {
      const result = await actions.redrive(name, by);
      control.maybeDie();
      return result;
    },
  };
  let ids = 0;
  const jobs = new SqliteReplayJobStore(db, { writes, kind: 'bulk-action' });
  const bulk = new BulkActions({ jobs, executions, actions: dying, clock, newId: () => `job-${++ids}`, sleep: async () => undefined });
  return { db, executions, bulk, jobs };
}

async function fiftyFailed(executions: SqliteExecutionStore): Promise<string[]> {
  const names: string[] = [];
  for (let i = 0; i < 50; i++) {
    const event = { id: `evt-${i}`, type: 'user_registration', source: 'web-app', timestamp: at(i), data: {} };
    const name = executionName('premium-onboarding', event.id);
    await executions.record(
      {
        workflowId: 'onboarding_workflow',
        ruleId: 'premium-onboarding',
        executionName: name,
        input: { event, rule: { id: 'premium-onboarding', priority: 0 }, correlationId: event.id },
      },
      at(i),
    );
    await executions.finish(name, { status: 'FAILED', stoppedAt: at(i + 1), error: { error: 'Boom' } });
    names.push(name);
  }
  return names;
}

const REDRIVE = parseBulkActionRequest({ action: 'redrive', filter: { workflowId: 'onboarding_workflow', status: 'FAILED' } });

describe('BulkActions: a bulk redrive that dies in the middle', () => {
  it('resumes from its cursor after a kill between redriving an execution and saving its progress: each redriven exactly once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exec-actions-bulk-'));
    dirs.push(dir);
    const path = join(dir, 'edwe.db');
    const control = new CountingControl(23);
    const first = aProcess(path, control);
    const names = await fiftyFailed(first.executions);
    const { actionId, matched } = await first.bulk.start(REDRIVE);

    await expect(first.bulk.run(actionId)).rejects.toThrow('process killed');
    first.db.close();
    const interrupted = await aProcess(path, control).bulk.get(actionId);
    const second = aProcess(path, control);
    const more = await second.bulk.run(actionId);
    const view = await second.bulk.get(actionId);

    expect(matched).toBe(50);
    expect(interrupted).toMatchObject({ status: 'running', done: 22 });
    expect(more).toBe(false);
    expect(control.total).toBe(50);
    expect([...control.redrives.keys()].sort()).toEqual([...names].sort());
    expect([...control.redrives.values()].every((n) => n === 1)).toBe(true);
    // The redrive the kill interrupted was saved as in flight: sent again first, with the same count (the same client
    // token on AWS: one redrive), and counted.
    const resent = control.sends[22] as string;
    expect(control.sends).toHaveLength(51);
    expect(control.sends.filter((name) => name === resent)).toHaveLength(2);
    expect(view).toMatchObject({ status: 'completed', matched: 50, done: 50, skipped: 0, failed: 0, progress: 1 });
    for (const name of names) expect((await second.executions.get(name))?.redriveCount).toBe(1);
  });

  it("after a kill between writing an execution's redrive to its record and sending it, the resumed job sends it (once), and the rest once each", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exec-actions-bulk-'));
    dirs.push(dir);
    const path = join(dir, 'edwe.db');
    const control = new CountingControl();
    const first = aProcess(path, control, { killAfterRedriveWrite: 23 });
    const names = await fiftyFailed(first.executions);
    const { actionId } = await first.bulk.start(REDRIVE);

    await expect(first.bulk.run(actionId)).rejects.toThrow('process killed');
    first.db.close();
    const second = aProcess(path, control);
    const halfDone = (await second.executions.recent({ limit: 100, status: 'RUNNING' })).executions.map((e) => e.name);
    await second.bulk.run(actionId);
    const view = await second.bulk.get(actionId);

    // Killed with the 23rd record RUNNING for the redrive and nothing sent: it no longer lists as FAILED.
    expect(halfDone).toHaveLength(23);
    expect(control.sends).toHaveLength(50);
    expect([...control.redrives.keys()].sort()).toEqual([...names].sort());
    expect([...control.redrives.values()].every((n) => n === 1)).toBe(true);
    expect(view).toMatchObject({ status: 'completed', matched: 50, done: 50, skipped: 0, failed: 0, progress: 1 });
    for (const name of names) expect(await second.executions.get(name)).toMatchObject({ status: 'RUNNING', redriveCount: 1, redrives: [{ by: `bulk:${actionId}` }] });
  });

  it('stops at its budget (a Lambda page) and the next run goes on from the cursor', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exec-actions-bulk-'));
    dirs.push(dir);
    const control = new CountingControl();
    let ms = NOW;
    const process = aProcess(join(dir, 'edwe.db'), control);
    await fiftyFailed(process.executions);
    const { actionId } = await process.bulk.start(REDRIVE);
    // Each execution costs a "second" of the clock the budget reads.
    const timed = new BulkActions({
      jobs: process.jobs,
      executions: process.executions,
      actions: {
        stop: async () => ({}) as never,
        resendRedrive: async () => undefined,
        redrive: async (name: string) => {
          ms += 1000;
          control.redrives.set(name, (control.redrives.get(name) ?? 0) + 1);
          return {} as never;
        },
      },
      clock: { now: () => ms },
      newId: () => 'unused',
      sleep: async () => undefined,
    });

    expect(await timed.run(actionId, 10_000)).toBe(true);
    expect((await timed.get(actionId)).done).toBe(10);
    while (await timed.run(actionId, 10_000)) {
      // pages until the end
    }

    expect(await timed.get(actionId)).toMatchObject({ status: 'completed', done: 50 });
    expect([...control.redrives.values()].every((n) => n === 1)).toBe(true);
  });
});
