/**
 * The State table: what the engine knows besides events — executions, waiters, multi-event joins,
 * replay jobs and the correlation metrics' counters (see lambdas/layout/state-table.ts for the layout). Encrypted with the engine's key.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { STATE_TABLE } from '../lambdas/layout/state-table.js';
import { addIndex } from './table-indexes.js';

export interface StateTableProps {
  readonly encryptionKey: kms.IKey;
  /** Merged over the defaults (on-demand billing, point-in-time recovery, retained on stack deletion, deletion protection). */
  readonly tableProps?: Omit<Partial<dynamodb.TableProps>, 'partitionKey' | 'sortKey' | 'timeToLiveAttribute' | 'encryption' | 'encryptionKey'>;
}

/** @example const state = new StateTable(this, 'State', { encryptionKey }); state.table.grantReadWriteData(fn); */
export class StateTable extends Construct {
  public readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: StateTableProps) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'State', {
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.RETAIN,
      // Nor may anyone delete it by hand (or by a replacement) without first turning this off.
      deletionProtection: true,
      ...props.tableProps,
      partitionKey: { name: STATE_TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: STATE_TABLE.sortKey, type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: STATE_TABLE.ttlAttribute,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.encryptionKey,
    });
    for (const index of [STATE_TABLE.byEvent, STATE_TABLE.byCorrelation]) addIndex(this.table, index);
    // The listings' sparse indexes carry no input or output: an execution's input alone may be 256 KiB.
    for (const index of [STATE_TABLE.byWorkflow, STATE_TABLE.byStatus]) addIndex(this.table, index, dynamodb.ProjectionType.INCLUDE, STATE_TABLE.listedFields);
    // The correlation metrics pass finds idle correlations by key, and reads each from the table as it removes it.
    addIndex(this.table, STATE_TABLE.byActivity, dynamodb.ProjectionType.KEYS_ONLY);
  }
}
