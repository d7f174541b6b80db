/**
 * Managed rules on AWS (docs/rules.md, "Managing rules at run time"): `/rules` on the engine's REST API — each
 * method its own method ARN under the API's authorization (IAM by default), so a policy can grant reading rules,
 * backtesting, changing and triggering them apart (docs/security.md) — served by one function that keeps the managed layer
 * in the State table, appends each change's audit event to the Events table, and backtests over its time index.
 */
import { Duration } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { EncryptRule } from '../lambdas/core/field-encryption.js';
import type { Rule } from '../lambdas/core/index.js';
import { ENV } from '../lambdas/layout/environment.js';
import { EVENTS_TABLE } from '../lambdas/layout/events-table.js';
import { STATE_TABLE } from '../lambdas/layout/state-table.js';
import { grantKeyUseVia } from './encryption.js';
import { checkedRetentionDays } from './ingest-function.js';
import { createFunction, handlerEntry, type EdweFunctionProps } from './lambda-defaults.js';
import { markHoursStatements, readHourMarksStatement } from './hour-marks-grants.js';

/** Seconds a routing function may route by rules older than the managed layer's, unless the deployer says otherwise. */
export const DEFAULT_RULE_REFRESH_SECONDS = 10;

/** The methods of one rule (`/rules/{id}`). */
const RULE_METHODS = ['GET', 'PUT', 'PATCH', 'DELETE'] as const;

export interface RulesApiProps {
  /** The engine's REST API: `/rules` is added to it (its default authorization applies). */
  readonly api: apigw.IRestApi | apigw.RestApi;
  /** The Events table: audit events are appended to it, backtests read its time index. */
  readonly eventsTable: dynamodb.ITable;
  /** The State table: the managed layer lives under `RULE…` keys. */
  readonly stateTable: dynamodb.ITable;
  readonly encryptionKey?: kms.IKey;
  /** The files layer (read-only through the API), bundled as the router's is. */
  readonly rules: readonly Rule[];
  /** Every deployed workflow id: a managed rule must name one. */
  readonly workflowIds: readonly string[];
  readonly retentionDays?: number;
  /** `event_sourcing.encrypt`: a managed rule may only ask whether an encrypted field exists (the list only: no key, no grant). */
  readonly encrypt?: readonly EncryptRule[];
  readonly logRetention?: logs.RetentionDays;
  /** Merged over the function's defaults. */
  readonly functionProps?: Partial<EdweFunctionProps>;
}

/**
 * @example new RulesApi(this, 'RulesApi', { api, eventsTable, stateTable, encryptionKey, rules, workflowIds })
 */
export class RulesApi extends Construct {
  public readonly apiFunction: NodejsFunction;

  constructor(scope: Construct, id: string, props: RulesApiProps) {
    super(scope, id);
    const retentionDays = checkedRetentionDays(props.retentionDays, 'RulesApi');
    const { functionProps } = props;
    this.apiFunction = createFunction(this, 'ApiFunction', {
      entry: handlerEntry('rules-http'),
      serviceName: 'edwe-rules-api',
      description: 'edwe: GET/PUT/PATCH/DELETE /rules (the managed layer in the State table) and POST /rules/test (backtest)',
      // A backtest reads up to 1,000,000 events: as long as API Gateway waits, with memory for the CPU.
      timeout: Duration.seconds(29),
      memorySize: 1024,
      ...(props.encryptionKey === undefined ? {} : { logKey: props.encryptionKey }),
      ...(props.logRetention === undefined ? {} : { logRetention: props.logRetention }),
      ...functionProps,
      bundling: {
        ...functionProps?.bundling,
        define: { ...functionProps?.bundling?.define, __EDWE_RULES__: JSON.stringify(JSON.stringify(props.rules)) },
      },
      environment: {
        [ENV.EVENTS_TABLE]: props.eventsTable.tableName,
        [ENV.STATE_TABLE]: props.stateTable.tableName,
        [ENV.RETENTION_DAYS]: String(retentionDays),
        [ENV.WORKFLOW_IDS]: props.workflowIds.join(','),
        ...(props.encrypt === undefined || props.encrypt.length === 0
          ? {}
          : { [ENV.FIELD_ENCRYPTION]: JSON.stringify(props.encrypt.map(({ eventType, fields }) => ({ eventType, fields }))) }),
        ...functionProps?.environment,
      },
    });
    // A change is one TransactWriteItems, which IAM authorises item by item (the revision's update, the puts).
    grantManagedRules(this.apiFunction, props.stateTable, ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
    // Audit events: appended as every ingest path appends (a conditional put, a get to tell a duplicate).
    this.apiFunction.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'AppendAuditEvents', actions: ['dynamodb:PutItem', 'dynamodb:GetItem'], resources: [props.eventsTable.tableArn] }),
    );
    for (const statement of markHoursStatements(props.eventsTable)) this.apiFunction.addToRolePolicy(statement);
    this.apiFunction.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'BacktestTimeIndex', actions: ['dynamodb:Query'], resources: [`${props.eventsTable.tableArn}/index/${EVENTS_TABLE.byTime.indexName}`] }),
    );
    this.apiFunction.addToRolePolicy(readHourMarksStatement(props.eventsTable));
    // The key only as DynamoDB uses it for the two tables: what it seals takes the field grant (lib/field-encryption.ts, 'seal').
    grantKeyUseVia(props.encryptionKey, this.apiFunction, [{ tables: [props.eventsTable, props.stateTable] }]);

    const integration = new apigw.LambdaIntegration(this.apiFunction, { proxy: true });
    const rules = props.api.root.addResource('rules');
    rules.addMethod('GET', integration);
    const one = rules.addResource('{id}');
    for (const method of RULE_METHODS) one.addMethod(method, integration);
    one.addResource('history').addMethod('GET', integration);
    // Fires a schedule rule once now (`<ruleId>@manual-<ulid>`), appended to the Events table as an audit event is.
    one.addResource('trigger').addMethod('POST', integration);
    // `/rules/test` is a resource of its own (API Gateway prefers it to `{id}`): the backtest, and the rule "test".
    const test = rules.addResource('test');
    test.addMethod('POST', integration);
    for (const method of RULE_METHODS) test.addMethod(method, integration);
    test.addResource('history').addMethod('GET', integration);
    test.addResource('trigger').addMethod('POST', integration);
  }
}

/** These actions on the State table's managed-rule items only (keys starting `RULE`: the revision, the rules, their versions, the change log). */
export function grantManagedRules(fn: lambda.IFunction, stateTable: dynamodb.ITable | dynamodb.Table, actions: readonly string[]): void {
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'ManagedRules',
      actions: [...actions],
      resources: [stateTable.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${STATE_TABLE.prefix.managedRules}*`] } },
    }),
  );
}
