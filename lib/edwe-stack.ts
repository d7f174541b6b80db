/**
 * The engine's AWS home: the Events table, HTTP ingestion, one state machine per workflow and the
 * router between them, built from a loaded project (rules and workflows checked before anything is made).
 */
import { dirname, relative } from 'node:path';
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import type { Rule } from '../lambdas/core/index.js';
import { taskEntry, type Project } from '../lambdas/project/load-project.js';
import { EventStore } from './event-store.js';
import { Ingestion } from './ingestion.js';
import { Router } from './router.js';
import { Workflows } from './workflows.js';

export interface EdweStackProps extends StackProps {
  /** The project as `loadProject()` returns it. */
  readonly project: Project;
  /** Days an event is kept. Default 30. */
  readonly retentionDays?: number;
  /** Who may call the ingestion API. Default IAM. */
  readonly ingestAuthorization?: apigw.AuthorizationType;
  /** The Events table's key. Default: a new key with rotation. */
  readonly encryptionKey?: kms.IKey;
}

/**
 * @example new EdweStack(app, 'EdweStack', { project: loadProject() })
 */
export class EdweStack extends Stack {
  public readonly eventStore: EventStore;
  public readonly ingestion: Ingestion;
  public readonly workflows: Workflows;
  public readonly router: Router;

  constructor(scope: Construct, id: string, props: EdweStackProps) {
    super(scope, id, props);
    const { project } = props;

    this.eventStore = new EventStore(this, 'EventStore', props.encryptionKey === undefined ? {} : { encryptionKey: props.encryptionKey });
    const { encryptionKey } = this.eventStore;
    // CDK's Table types tableStreamArn as `string | undefined` where ITable has it optional, which
    // exactOptionalPropertyTypes refuses; the value is the same object.
    const table = this.eventStore.table as unknown as dynamodb.ITable;

    this.ingestion = new Ingestion(this, 'Ingestion', {
      table,
      encryptionKey,
      ...(props.retentionDays === undefined ? {} : { retentionDays: props.retentionDays }),
      ...(props.ingestAuthorization === undefined ? {} : { authorizationType: props.ingestAuthorization }),
    });

    this.workflows = new Workflows(this, 'Workflows', {
      workflows: project.workflows,
      taskEntry: (task) => taskEntry(project.paths, task),
    });

    this.router = new Router(this, 'Router', {
      table,
      rules: portableRules(project.rules, dirname(project.paths.rulesDir)),
      stateMachines: this.workflows.stateMachines,
    });

    new CfnOutput(this, 'EventsTableName', { value: table.tableName });
    new CfnOutput(this, 'FailureQueueUrl', { value: this.router.failureQueue.queueUrl });
    new CfnOutput(this, 'StateMachineArns', {
      value: this.toJsonString(Object.fromEntries([...this.workflows.stateMachines].map(([wid, m]) => [wid, m.stateMachineArn]))),
    });
  }
}

/** Rules with their source files relative to the project: the bundle should not carry the build machine's paths. */
function portableRules(rules: readonly Rule[], root: string): Rule[] {
  return rules.map((rule) => (rule.location === undefined ? rule : { ...rule, location: { ...rule.location, file: relative(root, rule.location.file) } }));
}
