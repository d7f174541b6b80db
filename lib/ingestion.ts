/**
 * The HTTP API (DESIGN §4) on API Gateway (REST, Lambda proxy): `POST /events` (and each configured
 * webhook path) and `GET /events/{id}` reach the ingest Lambda, which may put and get items;
 * `GET /events` and `GET /correlations/{correlationId}` reach the query Lambda, which may only
 * query the table's indexes. With a State table, `GET /executions` and `GET /executions/{name}` reach
 * the query Lambda too, which may then also query the State table's indexes and get execution records.
 */
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Construct } from 'constructs';
import { STATE_TABLE } from '../lambdas/aws/state-table.js';
import { checkedRetentionDays, createIngestFunction, type EventTableProps } from './ingest-function.js';
import { createFunction, handlerEntry, type EdweFunctionProps } from './lambda-defaults.js';

export interface IngestionProps extends EventTableProps {
  /**
   * Who may call the API. Default IAM (SigV4-signed requests): an open endpoint that writes events and
   * starts workflows should be a deliberate choice, made with `AuthorizationType.NONE`.
   */
  readonly authorizationType?: apigw.AuthorizationType;
  /** The State table (same key as the Events table): serves `GET /executions` and the executions of timelines. */
  readonly stateTable?: dynamodb.ITable;
  /** More `POST` paths that ingest like `POST /events` (the config's webhook endpoints), e.g. `/webhooks/github`. */
  readonly webhookPaths?: readonly string[];
  /** Merged over the REST API defaults (regional endpoint, stage `v1` with tracing). */
  readonly restApiProps?: Partial<apigw.RestApiProps>;
  /** Merged over the ingest function's defaults. */
  readonly functionProps?: Partial<EdweFunctionProps>;
  /** Merged over the query function's defaults. */
  readonly queryFunctionProps?: Partial<EdweFunctionProps>;
}

/**
 * @example new Ingestion(this, 'Ingestion', { table: store.table, encryptionKey: store.encryptionKey })
 */
export class Ingestion extends Construct {
  public readonly api: apigw.RestApi;
  public readonly ingestFunction: NodejsFunction;
  public readonly queryFunction: NodejsFunction;

  constructor(scope: Construct, id: string, props: IngestionProps) {
    super(scope, id);
    const retentionDays = checkedRetentionDays(props.retentionDays, 'Ingestion');

    this.ingestFunction = createIngestFunction(this, 'IngestFunction', {
      ...props,
      handler: 'ingest-http',
      serviceName: 'edwe-ingest',
      description: 'edwe: validates and stores events received over HTTP',
    });

    this.queryFunction = createFunction(this, 'QueryFunction', {
      entry: handlerEntry('query-http'),
      serviceName: 'edwe-query',
      description: 'edwe: answers GET /events and GET /correlations/{id} from the table indexes',
      ...props.queryFunctionProps,
      // The default window of a query without `from` is the retention period.
      environment: {
        EVENTS_TABLE: props.table.tableName,
        RETENTION_DAYS: String(retentionDays),
        ...(props.stateTable === undefined ? {} : { STATE_TABLE: props.stateTable.tableName }),
        ...props.queryFunctionProps?.environment,
      },
    });
    // Read-only, and only through the indexes: every read of this function is a Query of byTime or byCorrelation.
    this.queryFunction.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'QueryEventIndexes', actions: ['dynamodb:Query'], resources: [`${props.table.tableArn}/index/*`] }),
    );
    if (props.stateTable !== undefined) {
      // Execution records only: by name (GetItem of `EXEC#…` keys), and by event or correlation (the indexes).
      this.queryFunction.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'GetExecutionRecords',
          actions: ['dynamodb:GetItem'],
          resources: [props.stateTable.tableArn],
          conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${STATE_TABLE.prefix.execution}*`] } },
        }),
      );
      this.queryFunction.addToRolePolicy(
        new iam.PolicyStatement({ sid: 'QueryExecutionIndexes', actions: ['dynamodb:Query'], resources: [`${props.stateTable.tableArn}/index/*`] }),
      );
    }
    props.encryptionKey?.grantDecrypt(this.queryFunction);

    const defaultDeployOptions: apigw.StageOptions = { stageName: 'v1', tracingEnabled: true, metricsEnabled: true };
    this.api = new apigw.RestApi(this, 'Api', {
      description: 'edwe: event ingestion and queries',
      endpointTypes: [apigw.EndpointType.REGIONAL],
      // The account-wide CloudWatch role is a singleton that one stack should not own.
      cloudWatchRole: false,
      defaultMethodOptions: { authorizationType: props.authorizationType ?? apigw.AuthorizationType.IAM },
      ...props.restApiProps,
      deployOptions: { ...defaultDeployOptions, ...props.restApiProps?.deployOptions },
    });

    const ingest = new apigw.LambdaIntegration(this.ingestFunction, { proxy: true });
    const query = new apigw.LambdaIntegration(this.queryFunction, { proxy: true });
    const events = this.api.root.addResource('events');
    events.addMethod('POST', ingest);
    events.addMethod('GET', query);
    events.addResource('{id}').addMethod('GET', ingest);
    this.api.root.addResource('correlations').addResource('{correlationId}').addMethod('GET', query);
    if (props.stateTable !== undefined) {
      const executions = this.api.root.addResource('executions');
      executions.addMethod('GET', query);
      executions.addResource('{name}').addMethod('GET', query);
    }
    for (const path of props.webhookPaths ?? []) {
      path.split('/').slice(1).reduce<apigw.IResource>((parent, part) => parent.getResource(part) ?? parent.addResource(part), this.api.root).addMethod('POST', ingest);
    }
  }
}
