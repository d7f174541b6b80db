/**
 * The replay driver (Amazon States Language, JSONPath): runs a replay job page by page with the
 * replay page Lambda until the job has ended. Each page resumes from the cursor the last one
 * recorded, so a failed page is simply run again; after `maxPagesPerExecution` pages the driver
 * continues as a new execution of itself, so its history never nears the 25,000-event limit. A job
 * whose pages keep failing is marked `failed` in the State table directly.
 *
 * Placeholders (CDK `definitionSubstitutions`): `${ReplayPageFunctionArn}`, `${StateTableName}`.
 */
import { STATE_TABLE } from '../lambdas/layout/state-table.js';

/** Errors a page is retried for at length: throttling, Lambda service trouble, timeouts. */
const TRANSIENT_ERRORS = [
  'RetryableError',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Sandbox.Timedout',
  'States.Timeout',
];

/** The driver's definition, with its placeholders; its service integrations in `partition` (the stack passes `Aws.PARTITION`). */
export function replayDriverDefinition(partition = 'aws'): Record<string, unknown> {
  return {
    Comment: 'edwe replay driver: runs one replay job page by page from its recorded cursor',
    StartAt: 'Page',
    States: {
      Page: {
        Type: 'Task',
        Resource: `arn:${partition}:states:::lambda:invoke`,
        Parameters: {
          FunctionName: '${ReplayPageFunctionArn}',
          Payload: { 'replayId.$': '$.replayId', 'generation.$': '$.generation', 'page.$': '$.page' },
        },
        ResultSelector: {
          'replayId.$': '$.Payload.replayId',
          'generation.$': '$.Payload.generation',
          'page.$': '$.Payload.page',
          'status.$': '$.Payload.status',
          'more.$': '$.Payload.more',
          'continueAsNew.$': '$.Payload.continueAsNew',
          'waitSeconds.$': '$.Payload.waitSeconds',
        },
        // (No ResultPath: the page's answer replaces the state, the default.)
        TimeoutSeconds: 900,
        Retry: [
          { ErrorEquals: TRANSIENT_ERRORS, IntervalSeconds: 2, BackoffRate: 2, MaxAttempts: 8, MaxDelaySeconds: 300, JitterStrategy: 'FULL' },
          // Anything else (a crash, a bug): twice more from the recorded cursor before giving up.
          { ErrorEquals: ['States.ALL'], IntervalSeconds: 5, BackoffRate: 2, MaxAttempts: 2 },
        ],
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'MarkFailed' }],
        Next: 'More?',
      },
      'More?': {
        Type: 'Choice',
        Choices: [
          { Variable: '$.more', BooleanEquals: false, Next: 'Done' },
          { Variable: '$.continueAsNew', BooleanEquals: true, Next: 'ContinueAsNew' },
          { Variable: '$.waitSeconds', NumericGreaterThan: 0, Next: 'Pace' },
        ],
        Default: 'Page',
      },
      // Rate control slower than a page can wait for: the driver waits, not the Lambda.
      Pace: { Type: 'Wait', SecondsPath: '$.waitSeconds', Next: 'Page' },
      ContinueAsNew: {
        Type: 'Task',
        Resource: `arn:${partition}:states:::states:startExecution`,
        Parameters: {
          'StateMachineArn.$': '$$.StateMachine.Id',
          'Name.$': "States.Format('{}-{}', $.replayId, $.generation)",
          Input: { 'replayId.$': '$.replayId', 'generation.$': '$.generation', 'page.$': '$.page' },
        },
        ResultPath: null,
        Retry: [
          {
            ErrorEquals: ['StepFunctions.SdkClientException', 'StepFunctions.StepFunctionsException', 'States.TaskFailed'],
            IntervalSeconds: 2,
            BackoffRate: 2,
            MaxAttempts: 6,
          },
        ],
        Catch: [
          // A retried start that had in fact succeeded: the next generation is running.
          { ErrorEquals: ['StepFunctions.ExecutionAlreadyExistsException'], ResultPath: null, Next: 'Done' },
          { ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'MarkFailed' },
        ],
        Next: 'Done',
      },
      MarkFailed: {
        Type: 'Task',
        Resource: `arn:${partition}:states:::dynamodb:updateItem`,
        Parameters: {
          TableName: '${StateTableName}',
          Key: {
            [STATE_TABLE.partitionKey]: { 'S.$': `States.Format('${STATE_TABLE.prefix.replay}{}', $.replayId)` },
            [STATE_TABLE.sortKey]: { S: 'JOB' },
          },
          UpdateExpression: 'SET #status = :failed, #error = :error, #finishedAt = :now',
          ConditionExpression: '#status = :running',
          ExpressionAttributeNames: { '#status': 'status', '#error': 'error', '#finishedAt': 'finishedAt' },
          ExpressionAttributeValues: {
            ':failed': { S: 'failed' },
            ':running': { S: 'running' },
            ':error': { 'S.$': '$.failure.Cause' },
            ':now': { 'S.$': '$$.State.EnteredTime' },
          },
        },
        ResultPath: null,
        Retry: [
          {
            ErrorEquals: [
              'DynamoDB.ProvisionedThroughputExceededException',
              'DynamoDB.ThrottlingException',
              'DynamoDB.InternalServerErrorException',
              'DynamoDB.SdkClientException',
            ],
            IntervalSeconds: 1,
            BackoffRate: 2,
            MaxAttempts: 6,
          },
        ],
        // The job had already ended (cancelled, say): it keeps that status.
        Catch: [{ ErrorEquals: ['DynamoDB.ConditionalCheckFailedException'], ResultPath: null, Next: 'Failed' }],
        Next: 'Failed',
      },
      Failed: { Type: 'Fail', Error: 'ReplayFailed', Cause: 'A page kept failing; the job is marked failed with the cause' },
      Done: { Type: 'Succeed' },
    },
  };
}
