import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EmbeddedEngine } from '../../lambdas/embedded/embedded-engine.js';
import { createLogger } from '../../lambdas/embedded/logger.js';
import { openDatabase } from '../../lambdas/embedded/sqlite-database.js';
import { SqliteEventStore } from '../../lambdas/embedded/sqlite-event-store.js';
import { loadProject } from '../../lambdas/project/load-project.js';
import { checkpointProject, type CheckpointProject } from '../support/checkpoint-project.js';
import { startEngine } from '../support/engine-process.js';

describe('edwe dev SIGKILLed mid-execution', () => {
  const projects: CheckpointProject[] = [];
  afterEach(() => {
    for (const project of projects.splice(0)) project.cleanup();
  });

  it('resumes the execution at the last state it entered, with that state’s input: the states before it do not run again', async () => {
    const project = checkpointProject();
    projects.push(project);
    const db = join(project.root, 'events.db');
    const first = await startEngine(['--db', db, ...project.devArgs()]);
    const eventId = 'hold-1';
    try {
      const posted = await first.post('/events', { id: eventId, type: 'hold.requested', source: 'test', data: { job: 1 } });
      expect(posted.status).toBe(202);
      // Held has begun and its checkpoint is committed: the kill lands in the middle of the execution.
      const peek = new Database(db, { readonly: true });
      try {
        await vi.waitFor(() => expect(peek.prepare('SELECT state FROM checkpoints').all()).toEqual([{ state: 'Held' }]), { timeout: 20_000, interval: 20 });
      } finally {
        peek.close();
      }
      // The checkpoint is written as Held is entered, before its task has run: wait for the task too.
      await vi.waitFor(() => expect(project.runs('Held')).toBe(1), { timeout: 20_000, interval: 20 });
    } finally {
      await first.stop('SIGKILL');
    }

    project.openGate();
    const second = await startEngine(['--db', db, ...project.devArgs()]);
    try {
      const { executions } = await second.waitFor(`/executions?eventId=${eventId}`, (b) => b.executions?.[0]?.status === 'SUCCEEDED', 20_000);
      const execution = (await second.get(`/executions/${executions[0].name}`)).body;
      expect([project.runs('Prepare'), project.runs('Held')]).toEqual([1, 2]);
      // Prepare's result came through Held's recorded input; each state appears once.
      expect(execution.output.results.Prepare.Payload).toEqual({ ran: 'Prepare' });
      expect(execution.states.map((s: { name: string }) => s.name)).toEqual(['Prepare', 'Held', 'Finish']);
      expect(second.logs.some((l) => l.message === 'resuming an execution a previous run left unfinished' && l.state === 'Held')).toBe(true);
    } finally {
      await second.stop();
    }
  }, 90_000);
});

describe('an order committed just before a kill, its acknowledgement lost', () => {
  it('still starts its workflow after the restart, which waits for the order’s payment like any other and confirms it once paid', async () => {
    const project = checkpointProject();
    try {
      const dbPath = join(project.root, 'events.db');
      // What the kill leaves: the order stored, never routed, and the client never told.
      const db = openDatabase(dbPath);
      await new SqliteEventStore(db).put({
        id: 'o-unacked',
        type: 'order.placed',
        source: 'shop',
        timestamp: new Date().toISOString(),
        data: { orderId: 'o-unacked', customerEmail: 'c@example.com', items: [{ sku: 'tea', quantity: 1 }] },
      });
      db.close();

      const engine = await EmbeddedEngine.open({ project: loadProject(), dbPath, logger: createLogger({ level: 'silent' }) });
      try {
        await vi.waitFor(() => expect(engine.executionsForEvent('o-unacked')[0]?.status).toBe('RUNNING'), { timeout: 20_000, interval: 20 });
        // Nothing else ends it: a client that never learnt of the order must still pay it (the chaos run's last phase does).
        await engine.ingest({ type: 'payment.received', source: 'payments', correlationId: 'o-unacked', data: { orderId: 'o-unacked', amount: 3 } });
        await vi.waitFor(() => expect(engine.executionsForEvent('o-unacked')[0]?.status).toBe('SUCCEEDED'), { timeout: 20_000, interval: 20 });
        await engine.idle();
        expect((await engine.queries.correlation('o-unacked')).events.filter((e) => e.type === 'order.confirmed')).toHaveLength(1);
      } finally {
        await engine.close();
      }
    } finally {
      project.cleanup();
    }
  }, 60_000);
});
