/**
 * Every Task state of the shipped workflows retries Lambda's own service errors — the transient
 * failures AWS documents for Lambda invocations from Step Functions — so a hiccup of the Lambda
 * service does not fail an execution that would succeed a second later.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../lib/lambda-defaults.js';

/** The errors AWS recommends retrying on a Lambda task (Step Functions developer guide, "Handling errors"). */
const LAMBDA_SERVICE_ERRORS = ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException'];

type State = {
  Type?: string;
  Retry?: Array<{ ErrorEquals: string[]; MaxAttempts?: number }>;
  Branches?: Array<{ States: Record<string, State> }>;
  ItemProcessor?: { States: Record<string, State> };
  Iterator?: { States: Record<string, State> };
};

/** The Task states (in Parallel branches and Map processors too) that do not retry every Lambda service error at least once. */
function tasksWithoutServiceRetry(states: Record<string, State>, path = ''): string[] {
  return Object.entries(states).flatMap(([name, state]) => {
    const here = `${path}${name}`;
    const nested = [...(state.Branches ?? []), ...(state.ItemProcessor ? [state.ItemProcessor] : []), ...(state.Iterator ? [state.Iterator] : [])].flatMap((inner) =>
      tasksWithoutServiceRetry(inner.States, `${here}/`),
    );
    if (state.Type !== 'Task') return nested;
    const retried = new Set((state.Retry ?? []).filter((r) => (r.MaxAttempts ?? 3) > 0).flatMap((r) => r.ErrorEquals));
    const missing = LAMBDA_SERVICE_ERRORS.filter((error) => !retried.has(error) && !retried.has('States.ALL'));
    return [...(missing.length > 0 ? [`${here} retries no ${missing.join(', ')}`] : []), ...nested];
  });
}

const workflowsDir = join(PROJECT_ROOT, 'workflows');
const shipped = readdirSync(workflowsDir).filter((f) => f.endsWith('.asl.json'));

describe('the shipped workflows retry Lambda service errors on every task', () => {
  it.each(shipped)('%s', (file) => {
    const asl = JSON.parse(readFileSync(join(workflowsDir, file), 'utf8')) as { States: Record<string, State> };

    expect(tasksWithoutServiceRetry(asl.States)).toEqual([]);
  });

  it('finds a task without the retry, also inside a Parallel branch', () => {
    const states: Record<string, State> = {
      Fine: { Type: 'Task', Retry: [{ ErrorEquals: LAMBDA_SERVICE_ERRORS }] },
      Both: { Type: 'Parallel', Branches: [{ States: { Bare: { Type: 'Task', Retry: [{ ErrorEquals: ['Lambda.ServiceException'] }] } } }] },
    };

    expect(tasksWithoutServiceRetry(states)).toEqual(['Both/Bare retries no Lambda.AWSLambdaException, Lambda.SdkClientException, Lambda.TooManyRequestsException']);
  });
});
