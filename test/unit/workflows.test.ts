import { readFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TaskServices, WaiterRequest, WorkflowDefinition } from '../../lambdas/core/index.js';
import { LocalWorkflowRunner } from '../../lambdas/embedded/asl-runner.js';
import { TaskTokens } from '../../lambdas/embedded/task-tokens.js';
import { loadProject, type Project } from '../../lambdas/project/load-project.js';
import { installTaskServices } from '../../lambdas/tasks/runtime.js';

/** Task services that record what workflows emit and let a test complete their waits. */
function recordingServices(tokens: TaskTokens) {
  const emitted: Array<{ type: string; data?: Record<string, unknown>; correlationId: string }> = [];
  const waiters: WaiterRequest[] = [];
  const services: TaskServices = {
    emitEvent: async (input) => {
      emitted.push(input);
      return { id: `emitted-${emitted.length}` };
    },
    registerWaiter: async (request) => {
      waiters.push(request);
    },
  };
  const nextWaiter = async () => {
    for (let i = 0; i < 200 && waiters.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    return waiters.shift() as WaiterRequest;
  };
  return { services, emitted, nextWaiter, complete: (token: string, event: unknown) => tokens.succeed(token, event) };
}

const workflowInput = (type: string, data: Record<string, unknown>, correlationId = 'corr-1') => ({
  event: { id: 'evt-1', type, source: 'test', timestamp: '2026-11-01T10:00:00.000Z', data },
  rule: { id: 'test-rule', priority: 0 },
  correlationId,
});

describe('the shipped workflows, run by the ASL interpreter with their real task functions', () => {
  let project: Project;
  beforeAll(() => {
    project = loadProject();
  });
  afterEach(() => installTaskServices(undefined));

  async function runnerFor(definitions: WorkflowDefinition[]) {
    const tokens = new TaskTokens();
    const recorder = recordingServices(tokens);
    installTaskServices(recorder.services);
    return { runner: await LocalWorkflowRunner.load(definitions, project.paths, tokens), ...recorder };
  }
  const runWithStates = (runner: LocalWorkflowRunner, id: string, input: unknown) =>
    runner.run(id, input, { executionName: `test-${id}`, startTime: new Date().toISOString() });
  /** The outcome without the states it passed through (a test of its own checks those). */
  const run = async (runner: LocalWorkflowRunner, id: string, input: unknown) => {
    const { states: _states, ...outcome } = await runWithStates(runner, id, input);
    return outcome;
  };

  describe('onboarding_workflow', () => {
    it('gives a premium user an account manager and a premium welcome', async () => {
      const { runner } = await runnerFor([project.workflows.get('onboarding_workflow')!]);

      const outcome = await run(runner, 'onboarding_workflow', workflowInput('user_registration', { userId: 'u-1', email: 'ada@example.com', user_type: 'premium' }));

      expect(outcome).toEqual({
        status: 'SUCCEEDED',
        output: {
          userId: 'u-1',
          tier: 'premium',
          correlationId: 'corr-1',
          accountManager: { name: expect.any(String) },
          welcome: { to: 'ada@example.com', template: 'welcome-premium', text: expect.stringContaining('account manager') },
        },
      });
    });

    it('takes the Choice default for a standard user: no account manager', async () => {
      const { runner } = await runnerFor([project.workflows.get('onboarding_workflow')!]);

      const outcome = await run(runner, 'onboarding_workflow', workflowInput('user_registration', { userId: 'u-2' }));

      expect(outcome.output).toMatchObject({ tier: 'standard', accountManager: { name: null }, welcome: { template: 'welcome-standard' } });
    });

    it('fails with InvalidRegistration, naming the field, when the task refuses its input (caught, not retried)', async () => {
      const { runner } = await runnerFor([project.workflows.get('onboarding_workflow')!]);

      const t0 = Date.now();
      const outcome = await run(runner, 'onboarding_workflow', workflowInput('user_registration', { userId: 'u-3', email: 'not-an-email' }));

      expect(outcome).toEqual({ status: 'FAILED', error: { error: 'InvalidRegistration', cause: 'email: must be an email address' } });
      expect(Date.now() - t0).toBeLessThan(900);
    });
  });

  describe('order_fulfilment', () => {
    const orderInput = () => workflowInput('order.placed', { orderId: 'o-1', customerEmail: 'c@example.com', items: [{ sku: 'tea', quantity: 2 }] }, 'o-1');

    it('waits for the payment of its correlation, then emits order.confirmed', async () => {
      const { runner, emitted, nextWaiter, complete } = await runnerFor([project.workflows.get('order_fulfilment')!]);

      const outcome = run(runner, 'order_fulfilment', orderInput());
      const waiter = await nextWaiter();
      complete(waiter.token, { id: 'pay-1', type: 'payment.received', source: 'payments', timestamp: '2026-11-01T10:05:00.000Z', correlationId: 'o-1', data: { amount: 20 } });

      expect(waiter).toMatchObject({ correlationId: 'o-1', eventType: 'payment.received' });
      expect(await outcome).toEqual({
        status: 'SUCCEEDED',
        output: {
          outcome: 'confirmed',
          orderId: 'o-1',
          reservation: { orderId: 'o-1', units: 2, warehouse: 'ohio' },
          paymentEventId: 'pay-1',
          confirmationEventId: 'emitted-1',
        },
      });
      expect(emitted).toEqual([
        {
          // No source: the workflow names none, and the engine's task services give it theirs.
          type: 'order.confirmed',
          correlationId: 'o-1',
          data: { orderId: 'o-1', customerEmail: 'c@example.com', amount: 20, paymentEventId: 'pay-1' },
          // The emitted event's id derives from it: a retry or a re-run emits the same event.
          idempotencyKey: 'test-order_fulfilment/ConfirmOrder',
        },
      ]);
    });

    it('records the states it passed through, the wait for the payment among them, in order', async () => {
      const { runner, nextWaiter, complete } = await runnerFor([project.workflows.get('order_fulfilment')!]);

      const outcome = runWithStates(runner, 'order_fulfilment', orderInput());
      const waiter = await nextWaiter();
      complete(waiter.token, { id: 'pay-1', type: 'payment.received', source: 'payments', timestamp: '2026-11-01T10:05:00.000Z', correlationId: 'o-1', data: { amount: 20 } });

      const { states = [] } = await outcome;
      expect(states.map((step) => `${step.name}:${step.status}`)).toEqual([
        'ReserveStock:SUCCEEDED',
        'WaitForPayment:SUCCEEDED',
        'ConfirmOrder:SUCCEEDED',
        'Confirmed:SUCCEEDED',
      ]);
      for (const [before, after] of states.slice(0, -1).map((step, i) => [step, states[i + 1]!] as const)) expect(before.exitedAt! <= after.enteredAt).toBe(true);
    });

    it('catches the wait timeout and cancels the order', async () => {
      const definition = project.workflows.get('order_fulfilment')!;
      // The same definition with a one-second wait, so the timeout path runs in a test.
      const short = { ...definition, definition: definition.definition.replaceAll('900', '1') };
      const { runner, emitted } = await runnerFor([short]);

      const outcome = await run(runner, 'order_fulfilment', orderInput());

      expect(outcome).toEqual({ status: 'SUCCEEDED', output: { outcome: 'cancelled', orderId: 'o-1', cancellationEventId: 'emitted-1' } });
      expect(emitted).toMatchObject([{ type: 'order.cancelled', correlationId: 'o-1', data: { reason: 'no payment before the timeout' } }]);
    });
  });

  describe('send_confirmation', () => {
    it('composes the confirmation from an order.confirmed event', async () => {
      const { runner } = await runnerFor([project.workflows.get('send_confirmation')!]);

      const outcome = await run(runner, 'send_confirmation', workflowInput('order.confirmed', { orderId: 'o-9', customerEmail: 'c@example.com', amount: 12.5 }, 'o-9'));

      expect(outcome).toEqual({ status: 'SUCCEEDED', output: { to: 'c@example.com', subject: 'Order o-9 is confirmed (12.50 paid)', orderId: 'o-9', correlationId: 'o-9' } });
    });
  });

  it('covers every workflow in workflows/', () => {
    const files = ['onboarding_workflow', 'order_fulfilment', 'send_confirmation'];
    expect([...project.workflows.keys()].sort()).toEqual(files);
    for (const id of files) expect(() => JSON.parse(readFileSync(`workflows/${id}.asl.json`, 'utf8'))).not.toThrow();
  });
});
