/**
 * The state machine that drives a durable job (a replay, a bulk action) step by step: the replay driver's
 * definition (lib/replay-driver.ts) calling one step function until the job record says done, continuing as a new
 * execution when its history grows long. One construction for every job kind.
 */
import { ArnFormat, Aws, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { replayDriverDefinition } from './replay-driver.js';
import { acknowledgeStateMachineRules } from './workflows.js';

export interface JobDriverProps {
  /** The function the driver invokes for each step (a replay page, a bulk action's step). */
  step: lambda.IFunction;
  /** The statement id of the driver's grant to invoke it. */
  stepSid: string;
  /** The last part of the log group's name (`/aws/vendedlogs/states/<stack>/<logName>`). */
  logName: string;
  stateTableName: string;
  encryptionKey?: kms.IKey;
  logRetention?: logs.RetentionDays;
}

/** @example const driver = createJobDriver(this, { step: pageFunction, stepSid: 'InvokePage', logName: 'replay-driver', stateTableName }) */
export function createJobDriver(scope: Construct, props: JobDriverProps): sfn.StateMachine {
  const stack = Stack.of(scope);
  // A fixed name, so that the driver's policy can name the driver without referring to it.
  const name = `${Names.uniqueResourceName(scope, { maxLength: 73 })}-Driver`;
  const logGroup = new logs.LogGroup(scope, 'DriverLogs', {
    logGroupName: `/aws/vendedlogs/states/${stack.stackName}/${props.logName}`,
    retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    ...(props.encryptionKey === undefined ? {} : { encryptionKey: props.encryptionKey }),
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const driver = new sfn.StateMachine(scope, 'Driver', {
    stateMachineName: name,
    // A step per call; the job record holds the cursor, the counts and the failure (MarkFailed).
    definitionBody: sfn.DefinitionBody.fromString(JSON.stringify(replayDriverDefinition(Aws.PARTITION), null, 2)),
    definitionSubstitutions: { ReplayPageFunctionArn: props.step.functionArn, StateTableName: props.stateTableName },
    stateMachineType: sfn.StateMachineType.STANDARD,
    tracingEnabled: true,
    // Every step, without the data (job ids and cursors, all in the job record anyway).
    logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    ...(props.encryptionKey === undefined ? {} : { encryptionConfiguration: new sfn.CustomerManagedEncryptionConfiguration(props.encryptionKey) }),
  });
  // The definition is a string: CDK cannot see what it calls, so each grant is made by hand (the
  // step function as the definition names it, unqualified, not CDK's `<arn>:*` for every version).
  driver.addToRolePolicy(new iam.PolicyStatement({ sid: props.stepSid, actions: ['lambda:InvokeFunction'], resources: [props.step.functionArn] }));
  acknowledgeStateMachineRules(driver);
  // Continue-as-new: the driver may start itself (by name, to avoid a reference cycle) and nothing else.
  driver.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'ContinueAsNew',
      actions: ['states:StartExecution'],
      resources: [stack.formatArn({ service: 'states', resource: 'stateMachine', resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
    }),
  );
  return driver;
}
