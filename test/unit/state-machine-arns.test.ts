/**
 * Functions that start or follow workflows learn their state machines from one prefix
 * (STATE_MACHINE_ARN_PREFIX, the stack's naming convention) or from a map (STATE_MACHINE_ARNS): the
 * prefix keeps the environment one value long however many workflows there are.
 */
import { describe, expect, it } from 'vitest';
import { EnvironmentError, stateMachineArnsOf, workflowIdsOf } from '../../lambdas/aws/wiring/env.js';
import { lifecycleDepsFromEnv } from '../../lambdas/aws/wiring/lifecycle.js';
import { routingDepsFromEnv } from '../../lambdas/aws/wiring/routing.js';

const PREFIX = 'arn:aws:states:eu-west-1:111122223333:stateMachine:EdweStack_';
const RULES = JSON.stringify([{ id: 'r', workflow: 'onboarding_workflow', eventType: 'user_registration', conditions: [], priority: 0 }]);

describe('state machines from the environment', () => {
  it('completes the prefix with a workflow id, and reads the id back off an ARN', () => {
    const arns = stateMachineArnsOf({ STATE_MACHINE_ARN_PREFIX: PREFIX });
    if (typeof arns !== 'function') throw new Error('expected the prefix form');

    expect(arns('onboarding_workflow')).toBe(`${PREFIX}onboarding_workflow`);
    expect(arns('not a workflow id')).toBeUndefined();
    expect(workflowIdsOf(arns).get(`${PREFIX}order_fulfilment`)).toBe('order_fulfilment');
    expect(workflowIdsOf(arns).get('arn:aws:states:eu-west-1:111122223333:stateMachine:OtherStack_order_fulfilment')).toBeUndefined();
  });

  it('prefers the map when both are set', () => {
    const arns = stateMachineArnsOf({ STATE_MACHINE_ARNS: { a: 'arn:a' }, STATE_MACHINE_ARN_PREFIX: PREFIX });

    expect(arns instanceof Map && arns.get('a')).toBe('arn:a');
  });

  it('builds the router and the lifecycle from the prefix alone', () => {
    const env = { STATE_TABLE: 'State', EVENTS_TABLE: 'Events', STATE_MACHINE_ARN_PREFIX: PREFIX };

    expect(() => routingDepsFromEnv(env, RULES)).not.toThrow();
    expect(lifecycleDepsFromEnv(env).workflowIds.get(`${PREFIX}onboarding_workflow`)).toBe('onboarding_workflow');
  });

  it('names STATE_MACHINE_ARNS when neither form is set, with the other missing variables', () => {
    expect(() => lifecycleDepsFromEnv({ EVENTS_TABLE: 'Events' })).toThrow(new EnvironmentError('Invalid environment: STATE_TABLE is not set; STATE_MACHINE_ARNS is not set'));
    expect(() => lifecycleDepsFromEnv({ EVENTS_TABLE: 'Events', STATE_TABLE: 'State' })).toThrow(new EnvironmentError('Invalid environment: STATE_MACHINE_ARNS is not set'));
  });
});
