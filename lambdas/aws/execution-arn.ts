/**
 * The Step Functions execution ARN of an execution record, derived rather than stored: a Standard
 * execution's ARN is its machine's ARN with `stateMachine` turned into `execution` and the name appended.
 * An Express execution's ARN carries a run id only Step Functions knows, so it has none here.
 */
/** `arn:…:stateMachine:<machine>` + name → `arn:…:execution:<machine>:<name>`; `undefined` for anything else. */
export function standardExecutionArn(stateMachineArn: string, executionName: string): string | undefined {
  const parts = stateMachineArn.split(':');
  if (parts.length !== 7 || parts[0] !== 'arn' || parts[2] !== 'states' || parts[5] !== 'stateMachine' || parts[6] === '') return undefined;
  return [...parts.slice(0, 5), 'execution', parts[6], executionName].join(':');
}

/** Answers an execution's ARN from its workflow and name: `undefined` for Express workflows and unknown ones. */
export type ExecutionArnOf = (workflowId: string, executionName: string) => string | undefined;

/** The execution ARNs of the machines `arns` names, leaving out the workflows in `express`. */
export function executionArnsOf(arns: Pick<ReadonlyMap<string, string>, 'get'> | ((workflowId: string) => string | undefined), express: ReadonlySet<string>): ExecutionArnOf {
  const machineOf = typeof arns === 'function' ? arns : (workflowId: string) => arns.get(workflowId);
  return (workflowId, executionName) => {
    if (express.has(workflowId)) return undefined;
    const machine = machineOf(workflowId);
    return machine === undefined ? undefined : standardExecutionArn(machine, executionName);
  };
}
