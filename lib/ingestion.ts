/**
 * HTTP ingestion (DESIGN §4): a REST API whose `POST /events` and `GET /events/{id}` reach the ingest
 * Lambda through the Lambda proxy integration. The Lambda may put and get items, nothing else.
 */
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Construct } from 'constructs';
import { DEFAULT_RETENTION_DAYS } from '../lambdas/aws/events-table.js';
import { createFunction, handlerEntry, type EdweFunctionProps } from './lambda-defaults.js';

export interface IngestionProps {
  readonly table: dynamodb.ITable;
  /** The table's key, for the Lambda's encrypt/decrypt grant. */
  readonly encryptionKey?: kms.IKey;
  /** Days an event is kept. Default 30. */
  readonly retentionDays?: number;
  /**
   * Who may call the API. Default IAM (SigV4-signed requests): an open endpoint that writes events and
   * starts workflows should be a deliberate choice, made with `AuthorizationType.NONE`.
   */
  readonly authorizationType?: apigw.AuthorizationType;
  /** Merged over the REST API defaults (regional endpoint, stage `v1` with tracing). */
  readonly restApiProps?: Partial<apigw.RestApiProps>;
  /** Merged over the ingest function's defaults. */
  readonly functionProps?: Partial<EdweFunctionProps>;
}

/**
 * @example new Ingestion(this, 'Ingestion', { table: store.table, encryptionKey: store.encryptionKey })
 */
export class Ingestion extends Construct {
  public readonly api: apigw.RestApi;
  public readonly ingestFunction: NodejsFunction;

  constructor(scope: Construct, id: string, props: IngestionProps) {
    super(scope, id);
    const retentionDays = props.retentionDays ?? DEFAULT_RETENTION_DAYS;
    if (!Number.isInteger(retentionDays) || retentionDays < 1) throw new Error(`Ingestion: retentionDays must be a positive integer, got ${retentionDays}`);

    this.ingestFunction = createFunction(this, 'IngestFunction', {
      entry: handlerEntry('ingest-http'),
      serviceName: 'edwe-ingest',
      description: 'edwe: validates and stores events received over HTTP',
      ...props.functionProps,
      environment: {
        EVENTS_TABLE: props.table.tableName,
        RETENTION_DAYS: String(retentionDays),
        ...props.functionProps?.environment,
      },
    });
    // Append-only from here: put and get, no update or delete.
    props.table.grant(this.ingestFunction, 'dynamodb:PutItem', 'dynamodb:GetItem');
    props.encryptionKey?.grantEncryptDecrypt(this.ingestFunction);

    const defaultDeployOptions: apigw.StageOptions = { stageName: 'v1', tracingEnabled: true, metricsEnabled: true };
    this.api = new apigw.RestApi(this, 'Api', {
      description: 'edwe: event ingestion',
      endpointTypes: [apigw.EndpointType.REGIONAL],
      // The account-wide CloudWatch role is a singleton that one stack should not own.
      cloudWatchRole: false,
      defaultMethodOptions: { authorizationType: props.authorizationType ?? apigw.AuthorizationType.IAM },
      ...props.restApiProps,
      deployOptions: { ...defaultDeployOptions, ...props.restApiProps?.deployOptions },
    });

    const integration = new apigw.LambdaIntegration(this.ingestFunction, { proxy: true });
    const events = this.api.root.addResource('events');
    events.addMethod('POST', integration);
    events.addResource('{id}').addMethod('GET', integration);
  }
}
