/**
 * The state machines on moto: the project's workflows (ASL with `${Task}` placeholders substituted,
 * as `definitionSubstitutions` does on deploy) and the replay driver (lib/replay-driver.ts).
 */
import { CreateStateMachineCommand, type CreateStateMachineCommandInput } from '@aws-sdk/client-sfn';
import { substitutePlaceholders, taskFileName, withIdempotencyKeys, type WorkflowDefinition } from '../../../lambdas/core/index.js';
import { deployedDefinition } from '../../../lib/workflows.js';
import { replayDriverDefinition } from '../../../lib/replay-driver.js';
import { ACCOUNT, REGION, type AwsClients } from './aws-clients.js';

/** What stands in for a task function's ARN (the CDK app substitutes the deployed function's). */
export const taskFunctionArn = (task: string): string => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:edwe-task-${taskFileName(task)}`;

/** One CreateStateMachine per workflow: its ASL with `${Task}` → task function ARN, its type from the settings. */
export function stateMachineDefinitions(workflows: ReadonlyMap<string, WorkflowDefinition>): CreateStateMachineCommandInput[] {
  return [...workflows.values()].map((workflow) => ({
    name: workflow.id,
    // What the stack deploys (lib/workflows.ts): the settings' timeout and the tasks' idempotency keys in the definition.
    definition: substitutePlaceholders(deployedDefinition({ ...workflow, definition: withIdempotencyKeys(workflow.definition) }, 'aws'), taskFunctionArn),
    type: workflow.settings.type,
    roleArn: `arn:aws:iam::${ACCOUNT}:role/edwe-workflow-${workflow.id}`,
  }));
}

/** `${Key}` → `values[Key]`, as CloudFormation's DefinitionSubstitutions do; a placeholder without a value is an error. */
export function substituteDefinition(definition: string, values: Readonly<Record<string, string>>): string {
  return substitutePlaceholders(definition, (key) => {
    const value = values[key];
    if (value === undefined) throw new Error(`no value for the placeholder \${${key}}`);
    return value;
  });
}

/** The values lib/replay.ts substitutes into the replay driver's definition. */
export const REPLAY_DRIVER_SUBSTITUTIONS = ['ReplayPageFunctionArn', 'StateTableName'] as const;

/** The replay driver (lib/replay-driver.ts) with its placeholders substituted. */
export const replayDriverStateMachine = (values: Record<(typeof REPLAY_DRIVER_SUBSTITUTIONS)[number], string>): CreateStateMachineCommandInput => ({
  name: 'edwe-replay-driver',
  definition: substituteDefinition(JSON.stringify(replayDriverDefinition(), null, 2), values),
  type: 'STANDARD',
  roleArn: `arn:aws:iam::${ACCOUNT}:role/edwe-replay-driver`,
});

/** Creates the project's state machines; answers workflow id → ARN (what the router gets as STATE_MACHINE_ARNS). */
export async function createStateMachines(clients: AwsClients, workflows: ReadonlyMap<string, WorkflowDefinition>): Promise<Map<string, string>> {
  const arns = new Map<string, string>();
  for (const definition of stateMachineDefinitions(workflows)) {
    const { stateMachineArn } = await clients.sfn.send(new CreateStateMachineCommand(definition));
    arns.set(definition.name as string, stateMachineArn as string);
  }
  return arns;
}
