import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { newReplayJob } from '../../lambdas/core/index.js';
import { EmbeddedEngine } from '../../lambdas/embedded/embedded-engine.js';
import { createLogger } from '../../lambdas/embedded/logger.js';
import { openDatabase } from '../../lambdas/embedded/sqlite-database.js';
import { loadProject } from '../../lambdas/project/load-project.js';

const BASE = Math.floor((Date.now() - 86_400_000) / 3_600_000) * 3_600_000;
const at = (minute: number) => new Date(BASE + minute * 60_000).toISOString();
const premium = (id: string, minute: number) => ({ id, type: 'user_registration', source: 'resume-test', timestamp: at(minute), data: { userId: id, user_type: 'premium' } });
const open = (dbPath: string) => EmbeddedEngine.open({ project: loadProject(), dbPath, logger: createLogger({ level: 'silent' }) });

describe('an embedded replay interrupted by a crash', () => {
  const dir = mkdtempSync(join(tmpdir(), 'edwe-replay-resume-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('resumes from its persisted cursor at the next start, emitting nothing twice', async () => {
    const dbPath = join(dir, 'events.db');
    const first = await open(dbPath);
    await first.ingestBatch([premium('e1', 1), premium('e2', 2), premium('e3', 3)]);
    await first.idle();
    await first.close();
    // What a crash after the page that emitted e1 leaves: the job running, its cursor at e1.
    const job = {
      ...newReplayJob('replay-crashed', { startTime: at(0), endTime: at(60), dryRun: false, workflowId: 'onboarding_workflow' }, at(0)),
      matched: 1,
      emitted: 1,
      scanned: 1,
      cursor: { timestamp: at(1), id: 'e1' },
    };
    const db = openDatabase(dbPath);
    db.prepare("INSERT INTO jobs (kind, id, status, job) VALUES ('replay', ?, ?, ?)").run(job.replayId, 'running', JSON.stringify(job));
    db.close();

    const second = await open(dbPath);
    const finished = await second.replays.finished('replay-crashed');
    const executions = await second.replayExecutions('replay-crashed');
    await second.close();

    expect(finished).toMatchObject({ status: 'completed', matched: 3, emitted: 3, scanned: 3 });
    expect(executions.map((e) => e.eventId)).toEqual(['e2', 'e3']);
    expect(executions.every((e) => e.status === 'SUCCEEDED')).toBe(true);
  });
});
