/**
 * Reading sealed fields on AWS (docs/security.md, "Reading sealed fields on AWS"): `GET /sensitive/events`,
 * `GET /sensitive/events/{id}` and `GET /sensitive/correlations/{correlationId}` on the engine's REST API, served by
 * a function of their own. IAM cannot see a query flag, so revealing gets method ARNs of its own (the sensitive-reader
 * role of lib/api-roles.ts); and a role's grant reaches every request its function serves, so the one `kms:Decrypt`
 * of field data keys the API holds belongs to this function alone — the plain reads' functions cannot open a field.
 */
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ENV } from '../lambdas/layout/environment.js';
import { EVENTS_TABLE } from '../lambdas/layout/events-table.js';
import { SENSITIVE_PATH } from '../lambdas/layout/sensitive-reads.js';
import { STATE_TABLE } from '../lambdas/layout/state-table.js';
import { grantKeyUseVia } from './encryption.js';
import { checkedRetentionDays } from './ingest-function.js';
import { createFunction, handlerEntry, type EdweFunctionProps } from './lambda-defaults.js';
import { readHourMarksStatement } from './hour-marks-grants.js';

export interface SensitiveReadsProps {
  /** The engine's REST API: `/sensitive/…` is added to it (its default authorization applies). */
  readonly api: apigw.IRestApi | apigw.RestApi;
  readonly eventsTable: dynamodb.ITable;
  /** The State table: the executions of a correlation's timeline. */
  readonly stateTable?: dynamodb.ITable;
  readonly encryptionKey?: kms.IKey;
  readonly retentionDays?: number;
  readonly logRetention?: logs.RetentionDays;
  /** Merged over the function's defaults. */
  readonly functionProps?: Partial<EdweFunctionProps>;
}

/**
 * The routes and their function. The field encryption's environment and its conditioned `kms:Decrypt` are given by
 * `connectFieldEncryption(…, [[reads.readFunction, 'open']])`, as for every function that opens fields.
 * @example const reads = new SensitiveReads(this, 'SensitiveReads', { api, eventsTable, stateTable, encryptionKey })
 */
export class SensitiveReads extends Construct {
  public readonly readFunction: NodejsFunction;

  constructor(scope: Construct, id: string, props: SensitiveReadsProps) {
    super(scope, id);
    const retentionDays = checkedRetentionDays(props.retentionDays, 'SensitiveReads');
    const { functionProps } = props;
    this.readFunction = createFunction(this, 'ReadFunction', {
      entry: handlerEntry('query-sensitive-http'),
      serviceName: 'edwe-query-sensitive',
      description: 'edwe: GET /sensitive/events, /sensitive/events/{id}, /sensitive/correlations/{id}, sealed fields opened',
      ...(props.encryptionKey === undefined ? {} : { logKey: props.encryptionKey }),
      ...(props.logRetention === undefined ? {} : { logRetention: props.logRetention }),
      ...functionProps,
      environment: {
        [ENV.EVENTS_TABLE]: props.eventsTable.tableName,
        [ENV.RETENTION_DAYS]: String(retentionDays),
        ...(props.stateTable === undefined ? {} : { [ENV.STATE_TABLE]: props.stateTable.tableName }),
        ...functionProps?.environment,
      },
    });
    this.grantReads(props);

    const integration = new apigw.LambdaIntegration(this.readFunction, { proxy: true });
    const root = props.api.root.addResource(SENSITIVE_PATH);
    const events = root.addResource('events');
    events.addMethod('GET', integration);
    events.addResource('{id}').addMethod('GET', integration);
    root.addResource('correlations').addResource('{correlationId}').addMethod('GET', integration);
  }

  /** What the plain reads may (the indexes, execution records) and one event by id; no write anywhere. */
  private grantReads(props: SensitiveReadsProps): void {
    const fn = this.readFunction;
    const indexArns = (table: dynamodb.ITable, names: readonly string[]) => names.map((name) => `${table.tableArn}/index/${name}`);
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadEvents',
        actions: ['dynamodb:Query'],
        resources: indexArns(props.eventsTable, [EVENTS_TABLE.byTime.indexName, EVENTS_TABLE.byCorrelation.indexName]),
      }),
    );
    fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'GetEvent', actions: ['dynamodb:GetItem'], resources: [props.eventsTable.tableArn] }));
    fn.addToRolePolicy(readHourMarksStatement(props.eventsTable));
    if (props.stateTable !== undefined) {
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'QueryTimelineExecutions',
          actions: ['dynamodb:Query'],
          resources: indexArns(props.stateTable, [STATE_TABLE.byCorrelation.indexName]),
        }),
      );
    }
    grantKeyUseVia(props.encryptionKey, fn, [{ tables: props.stateTable === undefined ? [props.eventsTable] : [props.eventsTable, props.stateTable] }]);
  }
}
