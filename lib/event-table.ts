/**
 * The Events table (see docs/architecture.md): append-only, keyed by event id, streamed to the router, expired by TTL,
 * encrypted with a customer-managed key, indexed by time (replay), by correlation (timelines) and —
 * sparsely — by events not routed yet (the sweeper). The key is the engine's one key: the stack
 * uses it for every other encrypted resource too.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { EVENTS_TABLE } from '../lambdas/layout/events-table.js';
import { addIndex } from './table-indexes.js';

/** Table props a deployer may change; the keys, stream, TTL and encryption are what the engine relies on. */
export type EventsTableOverrides = Omit<Partial<dynamodb.TableProps>, 'partitionKey' | 'sortKey' | 'stream' | 'timeToLiveAttribute' | 'encryption' | 'encryptionKey'>;

export interface EventTableProps {
  /** The key that encrypts the table and its stream. Default: a new key with yearly rotation. */
  readonly encryptionKey?: kms.IKey;
  /** Merged over the defaults (on-demand billing, point-in-time recovery, retained on stack deletion, deletion protection). */
  readonly tableProps?: EventsTableOverrides;
}

/**
 * @example const events = new EventTable(this, 'EventStore'); events.table.grantReadData(fn);
 */
export class EventTable extends Construct {
  public readonly table: dynamodb.Table;
  public readonly encryptionKey: kms.IKey;

  constructor(scope: Construct, id: string, props: EventTableProps = {}) {
    super(scope, id);
    this.encryptionKey = props.encryptionKey ?? new kms.Key(this, 'Key', { enableKeyRotation: true, description: 'Encrypts the edwe Events table and its stream' });

    this.table = new dynamodb.Table(this, 'Events', {
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Events are the system of record: deleting the stack must not delete them.
      removalPolicy: RemovalPolicy.RETAIN,
      // Nor may anyone delete it by hand (or by a replacement) without first turning this off.
      deletionProtection: true,
      ...props.tableProps,
      partitionKey: { name: EVENTS_TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      stream: dynamodb.StreamViewType.NEW_IMAGE,
      timeToLiveAttribute: EVENTS_TABLE.ttlAttribute,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.encryptionKey,
    });

    // Both indexes project everything: replay and timelines read whole events, never a second round trip.
    addIndex(this.table, EVENTS_TABLE.byTime);
    addIndex(this.table, EVENTS_TABLE.byCorrelation);
    // Sparse and short-lived: an event is in it from its put until the router marks it routed. Keys
    // only — the sweeper reads the (rare) event it finds from the table, consistently.
    addIndex(this.table, EVENTS_TABLE.byUnrouted, dynamodb.ProjectionType.KEYS_ONLY);
  }
}
