/** A string-keyed global secondary index as the shared table layouts (lambdas/aws/*-table.ts) describe it. */
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';

export interface StringKeyedIndex {
  readonly indexName: string;
  readonly partitionKey: string;
  readonly sortKey: string;
}

/** Adds the index to the table, projecting everything unless told otherwise (`nonKeyAttributes`: an INCLUDE projection). */
export function addIndex(table: dynamodb.Table, index: StringKeyedIndex, projectionType = dynamodb.ProjectionType.ALL, nonKeyAttributes?: readonly string[]): void {
  table.addGlobalSecondaryIndex({
    indexName: index.indexName,
    partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
    sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING },
    projectionType,
    ...(nonKeyAttributes === undefined ? {} : { nonKeyAttributes: [...nonKeyAttributes] }),
  });
}
