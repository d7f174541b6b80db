import { describe, expect, it } from 'vitest';
import { LocalWorkflowRunner } from '../../lambdas/embedded/asl-runner.js';
import { TaskTokens } from '../../lambdas/embedded/task-tokens.js';
import { defaultPaths } from '../../lambdas/project/load-project.js';

// Two Pass states: the second reports its input and the execution's own input, which a resumed run must keep.
const echo = {
  id: 'echo',
  settings: { type: 'STANDARD' as const, timeoutSeconds: 60 },
  tasks: [],
  definition: JSON.stringify({
    StartAt: 'First',
    States: {
      First: { Type: 'Pass', Result: 'from First', ResultPath: '$.first', Next: 'Second' },
      Second: { Type: 'Pass', Parameters: { 'got.$': '$', 'original.$': '$$.Execution.Input', 'name.$': '$$.Execution.Name' }, End: true },
    },
  }),
};

const context = (extra: object = {}) => ({ executionName: 'exec-1', startTime: new Date().toISOString(), ...extra });

describe('LocalWorkflowRunner resuming at a checkpoint', () => {
  it('runs from the checkpointed state with its recorded input, keeping the execution’s own input and name in the context', async () => {
    const runner = await LocalWorkflowRunner.load([echo], defaultPaths(), new TaskTokens());
    const outcome = await runner.run(
      'echo',
      { order: 1 },
      context({
        resume: { state: 'Second', input: { recorded: true }, steps: [{ name: 'First', enteredAt: 't0', exitedAt: 't1', status: 'SUCCEEDED' }] },
      }),
    );
    expect(outcome.status).toBe('SUCCEEDED');
    expect(outcome.output).toEqual({ got: { recorded: true }, original: { order: 1 }, name: 'exec-1' });
    // The resume's own Pass state is not recorded; the earlier steps come first.
    expect(outcome.states?.map((s) => s.name)).toEqual(['First', 'Second']);
  });

  it.each([null, 0, false, ''])('hands on a recorded input of %j as it is (the interpreter passes a falsy Pass Result over)', async (recorded) => {
    const relay = {
      ...echo,
      id: 'relay',
      definition: JSON.stringify({ StartAt: 'First', States: { First: { Type: 'Pass', Next: 'Second' }, Second: { Type: 'Pass', End: true } } }),
    };
    const runner = await LocalWorkflowRunner.load([relay], defaultPaths(), new TaskTokens());
    const outcome = await runner.run('relay', { order: 1 }, context({ resume: { state: 'Second', input: recorded, steps: [] } }));
    expect(outcome).toMatchObject({ status: 'SUCCEEDED', output: recorded });
  });

  it('checkpoints a top-level state entered after one that may have had an effect (not the first, not one after a Pass or Choice), with its input', async () => {
    const definition = {
      StartAt: 'Nap',
      States: {
        Nap: { Type: 'Wait', Seconds: 0, Next: 'Mark' },
        Mark: { Type: 'Pass', Result: 1, ResultPath: '$.mark', Next: 'Pick' },
        Pick: { Type: 'Choice', Choices: [{ Variable: '$.mark', NumericEquals: 1, Next: 'Rest' }], Default: 'Rest' },
        Rest: { Type: 'Wait', Seconds: 0, Next: 'Done' },
        Done: { Type: 'Pass', End: true },
      },
    };
    const runner = await LocalWorkflowRunner.load([{ ...echo, id: 'steps', definition: JSON.stringify(definition) }], defaultPaths(), new TaskTokens());
    const checkpoints: Array<[string, unknown, number]> = [];
    const outcome = await runner.run(
      'steps',
      { order: 2 },
      context({ onCheckpoint: (state: string, input: unknown, steps: unknown[]) => checkpoints.push([state, input, steps.length]) }),
    );
    expect(outcome.states?.map((s) => s.name)).toEqual(['Nap', 'Mark', 'Pick', 'Rest', 'Done']);
    expect(checkpoints).toEqual([
      ['Mark', { order: 2 }, 1],
      ['Done', { order: 2, mark: 1 }, 4],
    ]);
  });

  it('ends ABORTED with the stop’s cause when its signal aborts, and at once when it was aborted before the run began', async () => {
    const napping = { ...echo, id: 'nap', definition: JSON.stringify({ StartAt: 'Nap', States: { Nap: { Type: 'Wait', Seconds: 3600, End: true } } }) };
    const runner = await LocalWorkflowRunner.load([napping], defaultPaths(), new TaskTokens());
    const stop = new AbortController();
    const running = runner.run('nap', {}, context({ signal: stop.signal }));
    setTimeout(() => stop.abort({ error: 'Stopped', cause: 'test' }), 50);
    expect(await running).toMatchObject({ status: 'ABORTED', error: { error: 'Stopped', cause: 'test' } });

    const early = new AbortController();
    early.abort({ error: 'Stopped' });
    expect(await runner.run('nap', {}, context({ signal: early.signal }))).toMatchObject({ status: 'ABORTED', error: { error: 'Stopped' } });
  });

  it('times out after the timeout it is given (what is left of it after a restart)', async () => {
    const napping = { ...echo, id: 'nap', definition: JSON.stringify({ StartAt: 'Nap', States: { Nap: { Type: 'Wait', Seconds: 3600, End: true } } }) };
    const runner = await LocalWorkflowRunner.load([napping], defaultPaths(), new TaskTokens());
    expect(await runner.run('nap', {}, context({ timeoutSeconds: 0.001 }))).toMatchObject({ status: 'TIMED_OUT' });
  });
});
