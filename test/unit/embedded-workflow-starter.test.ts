import { describe, expect, it } from 'vitest';
import { executionName, type StoredExecution, type Trigger } from '../../lambdas/core/index.js';
import { EmbeddedWorkflowStarter } from '../../lambdas/embedded/embedded-workflow-starter.js';
import { GroupCommit } from '../../lambdas/embedded/group-commit.js';
import { openDatabase } from '../../lambdas/embedded/sqlite-database.js';
import { SqliteExecutionStore } from '../../lambdas/embedded/sqlite-execution-store.js';

// Times follow the clock the suite runs under.
const NOW = Date.now();

const aTrigger = (eventId: string): Trigger => {
  const event = { id: eventId, type: 'user_registration', source: 'web', timestamp: new Date(NOW).toISOString(), data: { user_type: 'premium' } };
  return {
    workflowId: 'onboarding_workflow',
    ruleId: 'premium-onboarding',
    executionName: executionName('premium-onboarding', eventId),
    input: { event, rule: { id: 'premium-onboarding', priority: 100 }, correlationId: eventId },
  };
};

describe('EmbeddedWorkflowStarter', () => {
  it('records and launches a new execution once; asked again, it answers already started and launches nothing', async () => {
    const db = openDatabase(':memory:');
    const executions = new SqliteExecutionStore(db, new GroupCommit(db));
    const launched: StoredExecution[] = [];
    const starter = new EmbeddedWorkflowStarter({ executions, launch: (execution) => void launched.push(execution), clock: { now: () => NOW } });
    const trigger = aTrigger('evt-start-1');

    expect(await starter.start(trigger)).toEqual({ alreadyStarted: false });
    expect(await starter.start(trigger)).toEqual({ alreadyStarted: true });

    const recorded = await executions.get(trigger.executionName);
    expect(recorded).toEqual({
      name: trigger.executionName,
      workflowId: 'onboarding_workflow',
      ruleId: 'premium-onboarding',
      eventId: 'evt-start-1',
      correlationId: 'evt-start-1',
      status: 'RUNNING',
      startedAt: new Date(NOW).toISOString(),
      input: trigger.input,
    });
    expect(launched).toEqual([recorded]);
    db.close();
  });
});
