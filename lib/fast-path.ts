/**
 * The ingest function's fast path (docs/capacity.md, "The fast path"): what the HTTP ingest function
 * needs to start the workflows of the events it has just stored — the router's rules in its bundle,
 * the state machines and the State table in its environment, StartExecution on those machines only,
 * and writes of execution records only (no read of the State table: the stream's router does the rest).
 */
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { Rule, WorkflowType } from '../lambdas/core/index.js';
import { ENV } from '../lambdas/layout/environment.js';
import { STATE_TABLE } from '../lambdas/layout/state-table.js';
import type { EdweFunctionProps } from './lambda-defaults.js';
import { machinesEnvironment } from './router.js';
import { grantManagedRules } from './rules-api.js';

/** What the fast path starts by: the router's rules and workflows. */
export interface FastPathProps {
  readonly rules: readonly Rule[];
  readonly stateMachines: ReadonlyMap<string, sfn.IStateMachine>;
  /** Workflow id → STANDARD or EXPRESS. Default: all STANDARD. */
  readonly workflowTypes?: Readonly<Record<string, WorkflowType>>;
  /** Where execution records are written (Express starts are claimed there first). */
  readonly stateTable: dynamodb.ITable;
  /** The machines' shared ARN prefix (lib/workflows.ts `workflowArnPrefix`): passed instead of one ARN per workflow. */
  readonly stateMachineArnPrefix?: string;
  /** With managed rules: as the router's (lib/router.ts `RoutingProps.ruleRefreshSeconds`). */
  readonly ruleRefreshSeconds?: number;
}

/** The ingest function's bundling and environment for the fast path, merged over its own. */
export function fastPathFunctionProps(scope: Construct, props: FastPathProps, base: Partial<EdweFunctionProps> = {}): Partial<EdweFunctionProps> {
  return {
    ...base,
    bundling: {
      ...base.bundling,
      // The rules as the router has them (lib/router.ts): the same rules name the same executions.
      define: { ...base.bundling?.define, __EDWE_RULES__: JSON.stringify(JSON.stringify(props.rules)) },
    },
    environment: {
      ...machinesEnvironment(scope, props.stateMachines, props.stateMachineArnPrefix),
      [ENV.WORKFLOW_TYPES]: JSON.stringify(props.workflowTypes ?? {}),
      [ENV.STATE_TABLE]: props.stateTable.tableName,
      ...(props.ruleRefreshSeconds === undefined ? {} : { [ENV.RULE_REFRESH_SECONDS]: String(props.ruleRefreshSeconds) }),
      ...base.environment,
    },
  };
}

/**
 * What the fast path may do: start the workflows' state machines, and write execution records —
 * put (a Standard record, an Express claim), update (confirm a claim), delete (release one) — of
 * `EXEC#` keys only. It reads nothing of the State table but, with managed rules, those rules (`RULE…` keys: the
 * set's revision, then the rules when it moved). (The table's key is granted with the Events table's.)
 */
export function grantFastPath(fn: lambda.IFunction, props: FastPathProps): void {
  const machineArns = [...props.stateMachines.values()].map((machine) => machine.stateMachineArn);
  if (machineArns.length === 0) return;
  fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'FastPathStartExecutions', actions: ['states:StartExecution'], resources: machineArns }));
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'FastPathWriteExecutionRecords',
      actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
      resources: [props.stateTable.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${STATE_TABLE.prefix.execution}*`] } },
    }),
  );
  if (props.ruleRefreshSeconds !== undefined) grantManagedRules(fn, props.stateTable, ['dynamodb:GetItem', 'dynamodb:Query']);
}
