/**
 * The workflow-starter port's contract, run against every adapter (the embedded starter over SQLite,
 * the AWS starter over Step Functions and DynamoDB): a trigger starts its execution once and records
 * it RUNNING; started again it answers "already started" and starts nothing more; different
 * triggers start independently. Every case holds for a STANDARD and an EXPRESS workflow.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { executionName, type EngineEvent, type ExecutionStore, type Trigger, type WorkflowStarter } from '../../lambdas/core/index.js';

/** The workflows the contract starts: an adapter knows both, with these types. */
export const CONTRACT_WORKFLOWS = { STANDARD: 'order_fulfilment', EXPRESS: 'fraud_check' } as const;

/** An adapter as the contract drives it: the starter, the records it keeps, and what it set running. */
export interface WorkflowStarterUnderTest {
  starter: WorkflowStarter;
  /** Reads the execution records the starter writes. */
  executions: Pick<ExecutionStore, 'get'>;
  /** The names of the executions actually set running so far, in order. */
  running(): readonly string[];
  close(): Promise<void>;
}

/** A fresh starter for each test, on the clock given. */
export type WorkflowStarterFactory = (options: { now: () => number }) => Promise<WorkflowStarterUnderTest>;

let counter = 0;
/** A trigger of `ruleId` for `workflowId` and a fresh event of correlation `o-<n>`. */
export function aTrigger(workflowId: string, timestamp: string, ruleId = 'on-order'): Trigger {
  const n = ++counter;
  const event: EngineEvent = { id: `evt-start-${n}`, type: 'order.placed', source: 'shop', timestamp, data: { orderId: `o-${n}` }, correlationId: `o-${n}` };
  return {
    workflowId,
    ruleId,
    executionName: executionName(ruleId, event.id),
    input: { event, rule: { id: ruleId, priority: 10 }, correlationId: `o-${n}` },
  };
}

/** Runs the contract against an adapter. */
export function describeWorkflowStarterContract(name: string, factory: WorkflowStarterFactory): void {
  describe(`${name}: the workflow-starter contract`, () => {
    // Times follow the clock the suite runs under, so nothing here depends on the date.
    const clock = { ms: Date.now() };
    const iso = (ms: number): string => new Date(ms).toISOString();

    let current: WorkflowStarterUnderTest | undefined;
    const open = async (): Promise<WorkflowStarterUnderTest> => {
      clock.ms = Date.now();
      current = await factory({ now: () => clock.ms });
      return current;
    };
    afterEach(async () => {
      await current?.close();
      current = undefined;
    });

    for (const [type, workflowId] of Object.entries(CONTRACT_WORKFLOWS)) {
      describe(`${type} workflow`, () => {
        it("starts a trigger's execution and records it RUNNING with the trigger's name, workflow, rule, event and correlation", async () => {
          const { starter, executions, running } = await open();
          const trigger = aTrigger(workflowId, iso(clock.ms - 1000));

          expect(await starter.start(trigger)).toEqual({ alreadyStarted: false });

          expect(await executions.get(trigger.executionName)).toEqual({
            name: trigger.executionName,
            workflowId,
            ruleId: 'on-order',
            eventId: trigger.input.event.id,
            correlationId: trigger.input.correlationId,
            status: 'RUNNING',
            startedAt: iso(clock.ms),
            input: trigger.input,
          });
          expect(running()).toEqual([trigger.executionName]);
        });

        it('answers a second start of the same trigger as already started, starts nothing more and keeps the first record', async () => {
          const { starter, executions, running } = await open();
          const trigger = aTrigger(workflowId, iso(clock.ms - 1000));
          const firstStart = clock.ms;
          await starter.start(trigger);
          clock.ms += 60_000;

          expect(await starter.start(trigger)).toEqual({ alreadyStarted: true });

          expect(running()).toEqual([trigger.executionName]);
          expect(await executions.get(trigger.executionName)).toMatchObject({ status: 'RUNNING', startedAt: iso(firstStart) });
        });

        it('starts different triggers independently: other events, and other rules for the same event', async () => {
          const { starter, executions, running } = await open();
          const one = aTrigger(workflowId, iso(clock.ms - 1000));
          const other = aTrigger(workflowId, iso(clock.ms - 1000));
          const sameEventOtherRule: Trigger = {
            ...one,
            ruleId: 'audit-order',
            executionName: executionName('audit-order', one.input.event.id),
            input: { ...one.input, rule: { id: 'audit-order', priority: 0 } },
          };

          const answers = [await starter.start(one), await starter.start(other), await starter.start(sameEventOtherRule)];

          expect(answers).toEqual([{ alreadyStarted: false }, { alreadyStarted: false }, { alreadyStarted: false }]);
          expect(running()).toEqual([one.executionName, other.executionName, sameEventOtherRule.executionName]);
          for (const trigger of [one, other, sameEventOtherRule]) {
            expect(await executions.get(trigger.executionName)).toMatchObject({ name: trigger.executionName, ruleId: trigger.ruleId, status: 'RUNNING' });
          }
        });
      });
    }
  });
}
