import { describe, expect, it } from 'vitest';
import type { StoredExecution } from '../../lambdas/core/index.js';
import { EmbeddedWorkflowStarter } from '../../lambdas/embedded/embedded-workflow-starter.js';
import { GroupCommit } from '../../lambdas/embedded/group-commit.js';
import { openDatabase } from '../../lambdas/embedded/sqlite-database.js';
import { SqliteExecutionStore } from '../../lambdas/embedded/sqlite-execution-store.js';
import { aTrigger, CONTRACT_WORKFLOWS, describeWorkflowStarterContract } from './workflow-starter.contract.js';

/** The embedded starter over an in-memory execution store, its launches recorded (the engine's runner stands aside). */
function anEmbeddedStarter(now: () => number) {
  const db = openDatabase(':memory:');
  const executions = new SqliteExecutionStore(db, new GroupCommit(db));
  const launched: StoredExecution[] = [];
  const starter = new EmbeddedWorkflowStarter({ executions, launch: (execution) => void launched.push(execution), clock: { now } });
  return { starter, executions, launched, close: async () => void db.close() };
}

// The local runner starts STANDARD and EXPRESS workflows alike.
describeWorkflowStarterContract('EmbeddedWorkflowStarter (SQLite in memory)', async ({ now }) => {
  const { starter, executions, launched, close } = anEmbeddedStarter(now);
  return { starter, executions, running: () => launched.map((execution) => execution.name), close };
});

describe('EmbeddedWorkflowStarter launches', () => {
  it('launches the record it has just written, once', async () => {
    const NOW = Date.now();
    const { starter, executions, launched, close } = anEmbeddedStarter(() => NOW);
    const trigger = aTrigger(CONTRACT_WORKFLOWS.STANDARD, new Date(NOW).toISOString());

    await starter.start(trigger);
    await starter.start(trigger);

    expect(launched).toEqual([await executions.get(trigger.executionName)]);
    await close();
  });
});
