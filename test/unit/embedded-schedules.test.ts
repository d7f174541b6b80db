import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EmbeddedEngine } from '../../lambdas/embedded/embedded-engine.js';
import { createLogger } from '../../lambdas/embedded/logger.js';
import { defaultPaths, loadProject } from '../../lambdas/project/load-project.js';

const MINUTE = 60_000;

/** A project of the example workflows and one schedule rule every 5 minutes, whose fires start send_confirmation. */
function projectWith(dir: string, catchUp: string) {
  writeFileSync(
    join(dir, 'schedules.yaml'),
    ['rules:', '  - id: report', '    schedule: rate(5 minutes)', `    catchUp: ${catchUp}`, '    workflow: send_confirmation', '    data: { orderId: nightly }', ''].join(
      '\n',
    ),
  );
  return loadProject({ ...defaultPaths(), rulesDir: dir });
}

describe('embedded schedules across a restart (SQLite, injected clock)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'schedules-embedded-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Opens the engine at `at`, lets its schedules tick once, and answers the fires stored and their executions. */
  async function runAt(at: number, catchUp: string) {
    const lines: string[] = [];
    const logger = createLogger({ write: (line) => lines.push(line) });
    const engine = await EmbeddedEngine.open({ project: projectWith(dir, catchUp), dbPath: join(dir, 'engine.db'), now: () => at, logger });
    await engine.scheduleTimer.tickNow();
    await engine.idle();
    const { events } = await engine.queries.events({ type: 'schedule.fired', from: new Date(0).toISOString(), to: new Date(at + MINUTE).toISOString() });
    const executions = events.flatMap((e: { id: string }) => engine.executionsForEvent(e.id));
    await engine.close();
    // Every fire the engine attempted, duplicates included: a double fire would show here even though the store dedupes it.
    const attempted = lines.map((l) => JSON.parse(l)).filter((l) => l.message === 'event received' && l.type === 'schedule.fired').length;
    return { ids: events.map((e: { id: string }) => e.id), statuses: executions.map((e) => e.status), attempted };
  }

  // A whole five minutes, derived from the clock so the test holds whenever it runs.
  const start = Math.floor(Date.now() / (5 * MINUTE)) * 5 * MINUTE + 30_000;
  const fire = (k: number) => `report@${new Date(start - 30_000 + k * 5 * MINUTE).toISOString().replace('.000Z', 'Z')}`;

  it.each([
    ['none', []],
    ['latest', [3]],
    ['all', [1, 2, 3]],
  ])('catchUp %s: a restart after missed fires fires what the policy says, each started once, and a further restart fires nothing again', async (catchUp, fired) => {
    expect((await runAt(start, catchUp as string)).ids).toEqual([]); // first sight: starts from now
    const after = await runAt(start + 15 * MINUTE + 90_000, catchUp as string); // down over three fires
    expect(after.ids).toEqual((fired as number[]).map(fire));
    expect(after.statuses).toEqual((fired as number[]).map(() => 'SUCCEEDED'));
    const again = await runAt(start + 15 * MINUTE + 95_000, catchUp as string);
    expect(after.attempted).toBe((fired as number[]).length);
    expect(again.ids).toEqual(after.ids);
    expect(again.attempted).toBe(0);
    expect(again.statuses).toHaveLength(after.statuses.length);
  });
});
