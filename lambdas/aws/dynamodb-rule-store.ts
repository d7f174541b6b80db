/**
 * The managed rules in the State table (see state-table.ts): the `RULESET` item holds the set's revision, `RULES`
 * / `<id>` each rule as now stored, `RULE#<id>` / `V#<version>` its versions, `RULELOG` / `<revision>` every change
 * in order. A change is one TransactWriteItems: the revision moves from the one read, the rule from the version
 * read, and both new records are added — all or nothing, so two writers never both pass the same check.
 */
import { GetItemCommand, TransactWriteItemsCommand, type DynamoDBClient, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import {
  PreconditionFailedError,
  RetryableError,
  type RuleChange,
  type RuleDocument,
  type RuleListing,
  type RuleStore,
  type RuleVersion,
  type RuleWrite,
  type StoredRule,
  type Rule,
} from '../core/index.js';
import { STATE_TABLE } from '../layout/state-table.js';
import { queryItems } from './query-items.js';
import { classifySdkError } from './sdk-errors.js';

export interface DynamoDbRuleStoreOptions {
  client: DynamoDBClient;
  tableName: string;
  /** Transactions retried when another change to the set slipped in between the read and the write. Default 8. */
  maxAttempts?: number;
}

const { partitionKey: PK, sortKey: SK } = STATE_TABLE;
const RULESET = { [PK]: 'RULESET', [SK]: 'RULESET' };
const RULES_PK = 'RULES';
const LOG_PK = 'RULELOG';
const versionKey = (id: string, version: number) => ({ [PK]: `${STATE_TABLE.prefix.rule}${id}`, [SK]: `V#${String(version).padStart(10, '0')}` });
const logKey = (revision: number) => ({ [PK]: LOG_PK, [SK]: String(revision).padStart(12, '0') });

/**
 * `RuleStore` on the State table.
 * @example const store = new DynamoDbRuleStore({ client, tableName: 'State' }); await store.revision()
 */
export class DynamoDbRuleStore implements RuleStore {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;
  private readonly maxAttempts: number;

  constructor(options: DynamoDbRuleStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.maxAttempts = options.maxAttempts ?? 8;
  }

  async list(): Promise<RuleListing> {
    // The revision first: a change landing between the two reads leaves the revision behind the rules, and the next refresh reads again.
    const revision = await this.revision();
    const rules: StoredRule[] = [];
    for await (const item of this.query(RULES_PK, 'listing the managed rules')) if (item.deleted !== true) rules.push(fromRuleItem(item));
    return { rules, revision };
  }

  async get(id: string): Promise<StoredRule | undefined> {
    const item = await this.getItem({ [PK]: RULES_PK, [SK]: id }, `reading rule ${id}`);
    return item === undefined ? undefined : fromRuleItem(item);
  }

  async write(change: RuleWrite): Promise<{ stored: StoredRule; revision: number }> {
    for (let attempt = 1; ; attempt++) {
      const [revision, current] = await Promise.all([this.revision(), this.get(change.id)]);
      const live = current === undefined || current.deleted ? 0 : current.version;
      if (change.expectedVersion !== undefined && change.expectedVersion !== live) {
        throw new PreconditionFailedError(
          `Rule "${change.id}" is ${live === 0 ? 'not stored' : `at version ${live}`}, not at version ${change.expectedVersion} as the request expects`,
        );
      }
      const version = (current?.version ?? 0) + 1;
      const next = revision + 1;
      const stored: StoredRule = { id: change.id, rule: change.rule, version, managedBy: 'api', updatedAt: change.at, updatedBy: change.by };
      if (change.read !== undefined) stored.read = change.read;
      if (change.change === 'deleted') stored.deleted = true;
      const read = change.read === undefined ? undefined : JSON.stringify(change.read);
      const entry = { id: change.id, version, change: change.change, rule: JSON.stringify(change.rule), read, changedAt: change.at, changedBy: change.by, revision: next };
      const items: TransactWriteItem[] = [
        {
          Update: {
            TableName: this.tableName,
            Key: marshall(RULESET),
            UpdateExpression: 'SET revision = :next',
            ConditionExpression: revision === 0 ? 'attribute_not_exists(revision)' : 'revision = :read',
            ExpressionAttributeValues: marshall(revision === 0 ? { ':next': next } : { ':next': next, ':read': revision }),
          },
        },
        {
          Put: {
            TableName: this.tableName,
            Item: marshall({ [PK]: RULES_PK, [SK]: change.id, ...toRuleItem(stored) }, { removeUndefinedValues: true }),
            ConditionExpression: current === undefined ? 'attribute_not_exists(#pk)' : 'version = :version',
            ExpressionAttributeNames: current === undefined ? { '#pk': PK } : undefined,
            ExpressionAttributeValues: current === undefined ? undefined : marshall({ ':version': current.version }),
          },
        },
        { Put: { TableName: this.tableName, Item: marshall({ ...versionKey(change.id, version), ...entry }, { removeUndefinedValues: true }) } },
        { Put: { TableName: this.tableName, Item: marshall({ ...logKey(next), ...entry }, { removeUndefinedValues: true }) } },
      ];
      try {
        await this.client.send(new TransactWriteItemsCommand({ TransactItems: items }));
        return { stored, revision: next };
      } catch (error) {
        // Another change got in between the read and the write: read again (and then answer 412 if the rule moved on).
        if (!isConditionCancel(error) || attempt >= this.maxAttempts)
          throw isConditionCancel(error) ? contention(change.id, error) : classifySdkError(error, `writing rule ${change.id}`);
      }
    }
  }

  async history(id: string): Promise<RuleVersion[]> {
    const versions: RuleVersion[] = [];
    for await (const item of this.query(`${STATE_TABLE.prefix.rule}${id}`, `reading the history of rule ${id}`)) versions.push(fromEntry(item));
    return versions;
  }

  async revision(): Promise<number> {
    const item = await this.getItem(RULESET, 'reading the rules revision', 'revision');
    return typeof item?.revision === 'number' ? item.revision : 0;
  }

  async changes(until?: string): Promise<RuleVersion[]> {
    const changes: RuleVersion[] = [];
    for await (const item of this.query(LOG_PK, 'reading the rule changes')) {
      const entry = fromEntry(item);
      if (until === undefined || entry.changedAt <= until) changes.push(entry);
    }
    return changes;
  }

  private query(pk: string, reading: string): AsyncGenerator<Record<string, unknown>> {
    return queryItems(
      this.client,
      {
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': PK },
        ExpressionAttributeValues: marshall({ ':pk': pk }),
        ConsistentRead: true,
      },
      reading,
    );
  }

  private async getItem(key: Record<string, string>, reading: string, projection?: string): Promise<Record<string, unknown> | undefined> {
    try {
      const { Item } = await this.client.send(
        new GetItemCommand({ TableName: this.tableName, Key: marshall(key), ConsistentRead: true, ...(projection === undefined ? {} : { ProjectionExpression: projection }) }),
      );
      return Item === undefined ? undefined : unmarshall(Item);
    } catch (error) {
      throw classifySdkError(error, reading);
    }
  }
}

/** The document and the rule as read are kept as JSON text, as the versions keep them. */
function toRuleItem(stored: StoredRule): Record<string, unknown> {
  const read = stored.read === undefined ? undefined : JSON.stringify(stored.read);
  return {
    id: stored.id,
    rule: JSON.stringify(stored.rule),
    read,
    version: stored.version,
    updatedAt: stored.updatedAt,
    updatedBy: stored.updatedBy,
    deleted: stored.deleted,
  };
}

function fromRuleItem(item: Record<string, unknown>): StoredRule {
  const stored: StoredRule = {
    id: String(item.id),
    rule: JSON.parse(String(item.rule)) as RuleDocument,
    version: Number(item.version),
    managedBy: 'api',
    updatedAt: String(item.updatedAt),
    updatedBy: String(item.updatedBy),
  };
  if (typeof item.read === 'string') stored.read = JSON.parse(item.read) as Rule;
  if (item.deleted === true) stored.deleted = true;
  return stored;
}

function fromEntry(item: Record<string, unknown>): RuleVersion {
  const entry: RuleVersion = {
    id: String(item.id),
    version: Number(item.version),
    change: item.change as RuleChange,
    rule: JSON.parse(String(item.rule)) as RuleDocument,
    changedAt: String(item.changedAt),
    changedBy: String(item.changedBy),
    revision: Number(item.revision),
  };
  if (typeof item.read === 'string') entry.read = JSON.parse(item.read) as Rule;
  return entry;
}

/** A transaction cancelled because one of its conditions did not hold (rather than a throttle or a fault). */
function isConditionCancel(error: unknown): boolean {
  const reasons = (error as { CancellationReasons?: Array<{ Code?: string }> })?.CancellationReasons;
  return (error as Error)?.name === 'TransactionCanceledException' && (reasons ?? []).some((r) => r.Code === 'ConditionalCheckFailed');
}

/** Contention that outlasted the retries: a later attempt may get through. */
const contention = (id: string, cause: unknown): RetryableError =>
  new RetryableError(`Rule "${id}" could not be written: other changes to the rules kept arriving`, { cause });
