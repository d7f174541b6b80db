/**
 * The calls AWS services make on the engine's behalf, read from the template: Step Functions
 * invoking task functions and using the key, CloudWatch Logs encrypting log groups, CloudWatch
 * publishing alarms, EventBridge delivering to targets and dead-letter queues, event source mappings
 * reading streams and sending failures, Lambda's asynchronous on-failure destinations, API Gateway
 * invoking functions.
 */
import { DEPLOYMENT } from './cfn-resolve.js';
import type { AccessModel, AccessRequest } from './access-model.js';

const { account, region, partition } = DEPLOYMENT;
const sourceOf = (arn: string) => ({ 'aws:SourceArn': arn, 'aws:SourceAccount': account });

/** Step Functions: each machine invokes the functions its definition names, and (encrypted) uses the key for its own ARN. */
export function stepFunctionsPaths(model: AccessModel): AccessRequest[] {
  return model.idsOf('AWS::StepFunctions::StateMachine').flatMap((id) => {
    const p = model.resources[id]?.Properties ?? {};
    const caller = { role: model.roleOf(id) };
    const machineArn = model.resolver.arnOf(id);
    const functions = Object.values(model.resolver.resolve(p.DefinitionSubstitutions ?? {}) as Record<string, string>).filter((v) => v.includes(':lambda:'));
    return [
      ...functions.map((fn) => ({ label: `${machineArn} → lambda:InvokeFunction on ${fn}`, caller, action: 'lambda:InvokeFunction', resource: fn })),
      ...model.keyRequests(`${machineArn} runs`, caller, id),
    ];
  });
}

/** CloudWatch Logs encrypts each log group that names the key, for that log group's ARN. */
export function logsPaths(model: AccessModel): AccessRequest[] {
  return model
    .idsOf('AWS::Logs::LogGroup')
    .flatMap((id) => model.keyRequests(`CloudWatch Logs writes ${model.resolver.arnOf(id)}`, { service: `logs.${region}.amazonaws.com` }, id));
}

/** CloudWatch Logs invokes each subscription filter's function (the lifecycle, for Express workflows' log groups), for that log group's ARN. */
export function logSubscriptionPaths(model: AccessModel): AccessRequest[] {
  return model.idsOf('AWS::Logs::SubscriptionFilter').flatMap((id) => {
    const p = model.resources[id]?.Properties ?? {};
    const destination = model.resolver.resolve(p.DestinationArn) as string;
    const logGroupId = (p.LogGroupName?.Ref as string | undefined) ?? model.named(model.resolver.resolve(p.LogGroupName) as string).logicalId;
    const logGroupArn = model.resolver.arnOf(logGroupId);
    if (!destination.includes(':lambda:')) return [];
    return [
      {
        label: `log group ${logGroupArn} → lambda:InvokeFunction on ${destination}`,
        caller: { service: 'logs.amazonaws.com' },
        action: 'lambda:InvokeFunction',
        resource: destination,
        context: sourceOf(logGroupArn),
      },
    ];
  });
}

/** CloudWatch publishes each alarm's notification to its topics (and uses the topic's key). */
export function alarmPaths(model: AccessModel): AccessRequest[] {
  return model.idsOf('AWS::CloudWatch::Alarm').flatMap((id) => {
    const alarmArn = model.resolver.arnOf(id);
    const actions = (model.resolver.resolve(model.resources[id]?.Properties?.AlarmActions ?? []) as string[]).filter((a) => a.includes(':sns:'));
    const caller = { service: 'cloudwatch.amazonaws.com' };
    return actions.flatMap((topic) => [
      { label: `alarm ${alarmArn} → sns:Publish on ${topic}`, caller, action: 'sns:Publish', resource: topic, context: sourceOf(alarmArn) },
      ...model.keyRequests(`alarm ${alarmArn} → ${topic}`, caller, model.named(topic).logicalId, sourceOf(alarmArn)),
    ]);
  });
}

/** EventBridge: each rule invokes its Lambda targets and sends what it cannot deliver to the target's dead-letter queue. */
export function eventBridgePaths(model: AccessModel): AccessRequest[] {
  const caller = { service: 'events.amazonaws.com' };
  return model.idsOf('AWS::Events::Rule').flatMap((id) => {
    const ruleArn = model.resolver.arnOf(id);
    const targets = model.resolver.resolve(model.resources[id]?.Properties?.Targets ?? []) as Array<{ Arn: string; DeadLetterConfig?: { Arn: string } }>;
    return targets.flatMap((target) => {
      const deadLetters = target.DeadLetterConfig?.Arn;
      return [
        ...(target.Arn.includes(':lambda:')
          ? [{ label: `rule ${ruleArn} → lambda:InvokeFunction on ${target.Arn}`, caller, action: 'lambda:InvokeFunction', resource: target.Arn, context: sourceOf(ruleArn) }]
          : []),
        ...(deadLetters === undefined
          ? []
          : [
              {
                label: `rule ${ruleArn} → sqs:SendMessage on its dead-letter queue ${deadLetters}`,
                caller,
                action: 'sqs:SendMessage',
                resource: deadLetters,
                context: sourceOf(ruleArn),
              },
              ...model.keyRequests(`rule ${ruleArn} → its dead-letter queue`, caller, model.named(deadLetters).logicalId, sourceOf(ruleArn)),
            ]),
      ];
    });
  });
}

/** EventBridge encrypts what is put on an encrypted bus, and sends what the bus cannot deliver to the bus's dead-letter queue. */
export function busPaths(model: AccessModel): AccessRequest[] {
  const caller = { service: 'events.amazonaws.com' };
  return model.idsOf('AWS::Events::EventBus').flatMap((id) => {
    const busArn = model.resolver.arnOf(id);
    const deadLetters = model.resolver.resolve(model.resources[id]?.Properties?.DeadLetterConfig?.Arn) as string | undefined;
    return [
      ...model.keyRequests(`bus ${busArn} stores an event`, caller, id, sourceOf(busArn)),
      ...(deadLetters === undefined
        ? []
        : [
            { label: `bus ${busArn} → sqs:SendMessage on its dead-letter queue`, caller, action: 'sqs:SendMessage', resource: deadLetters, context: sourceOf(busArn) },
            ...model.keyRequests(`bus ${busArn} → its dead-letter queue`, caller, model.named(deadLetters).logicalId, sourceOf(busArn)),
          ]),
    ];
  });
}

/**
 * EventBridge Scheduler: assumes each schedule's role (for the schedule's group, in this account), and as that role invokes the
 * schedule's target and sends a fire it could not deliver to the schedule's dead-letter queue.
 */
export function schedulerPaths(model: AccessModel): AccessRequest[] {
  return model.idsOf('AWS::Scheduler::Schedule').flatMap((id) => {
    const target = model.resolver.resolve(model.resources[id]?.Properties?.Target ?? {}) as { Arn: string; RoleArn: string; DeadLetterConfig?: { Arn: string } };
    const groupArn = model.named(String(model.resolver.resolve(model.resources[id]?.Properties?.GroupName))).arn;
    const scheduleArn = model.resolver.arnOf(id);
    const caller = { role: model.named(target.RoleArn).logicalId };
    const deadLetters = target.DeadLetterConfig?.Arn;
    return [
      {
        label: `scheduler.amazonaws.com → sts:AssumeRole on ${target.RoleArn} for ${groupArn}`,
        caller: { service: 'scheduler.amazonaws.com' },
        action: 'sts:AssumeRole',
        resource: target.RoleArn,
        context: sourceOf(groupArn),
      },
      { label: `schedule ${scheduleArn} → lambda:InvokeFunction on ${target.Arn}`, caller, action: 'lambda:InvokeFunction', resource: target.Arn },
      ...(deadLetters === undefined ? [] : sendTo(model, `schedule ${scheduleArn} (dead letters)`, caller, deadLetters)),
    ];
  });
}

/** Lambda, as each function's role: event source mappings read their stream or queue and send failed batches on; async invocations send failures on. */
export function lambdaServicePaths(model: AccessModel): AccessRequest[] {
  const mappings = model.idsOf('AWS::Lambda::EventSourceMapping').flatMap((id) => {
    const p = model.resolver.resolve(model.resources[id]?.Properties ?? {}) as Record<string, any>;
    const fn = model.named(p.FunctionName as string).logicalId;
    const caller = { role: model.roleOf(fn) };
    const source = p.EventSourceArn as string | undefined;
    const reads =
      source === undefined
        ? []
        : source.includes(':dynamodb:')
          ? ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'].map((action) => ({
              label: `mapping of ${model.functionKey(fn)} → ${action} on ${source}`,
              caller,
              action,
              resource: source,
            }))
          : source.includes(':kinesis:')
            ? [
                ...['kinesis:DescribeStream', 'kinesis:DescribeStreamSummary', 'kinesis:GetRecords', 'kinesis:GetShardIterator', 'kinesis:ListShards'].map((action) => ({
                  label: `mapping of ${model.functionKey(fn)} → ${action} on ${source}`,
                  caller,
                  action,
                  resource: source,
                })),
                ...model.keyRequests(`mapping of ${model.functionKey(fn)} reads`, caller, model.named(source).logicalId).filter((r) => r.action === 'kms:Decrypt'),
              ]
            : source.includes(':sqs:')
              ? [
                  ...['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes'].map((action) => ({
                    label: `mapping of ${model.functionKey(fn)} → ${action} on ${source}`,
                    caller,
                    action,
                    resource: source,
                  })),
                  ...model.keyRequests(`mapping of ${model.functionKey(fn)} receives`, caller, model.named(source).logicalId).filter((r) => r.action === 'kms:Decrypt'),
                ]
              : [];
    const onFailure = p.DestinationConfig?.OnFailure?.Destination as string | undefined;
    return [...reads, ...(onFailure === undefined ? [] : sendTo(model, `mapping of ${model.functionKey(fn)} (on failure)`, caller, onFailure))];
  });
  const asyncDestinations = model.idsOf('AWS::Lambda::EventInvokeConfig').flatMap((id) => {
    const p = model.resolver.resolve(model.resources[id]?.Properties ?? {}) as Record<string, any>;
    const fn = model.named(p.FunctionName as string).logicalId;
    const onFailure = p.DestinationConfig?.OnFailure?.Destination as string | undefined;
    return onFailure === undefined ? [] : sendTo(model, `${model.functionKey(fn)} async (on failure)`, { role: model.roleOf(fn) }, onFailure);
  });
  return [...mappings, ...asyncDestinations];
}

/** API Gateway invokes each method's function, for that method's `execute-api` ARN. */
export function apiGatewayPaths(model: AccessModel): AccessRequest[] {
  const apiId = model.resolver.resolve({ Ref: model.idsOf('AWS::ApiGateway::RestApi')[0] }) as string;
  return apiMethods(model).flatMap(({ method, path, functionArn }) => {
    const sourceArn = `arn:${partition}:execute-api:${region}:${account}:${apiId}/v1/${method}${path}`;
    return functionArn === undefined
      ? []
      : [
          {
            label: `API ${method} ${path} → lambda:InvokeFunction on ${functionArn}`,
            caller: { service: 'apigateway.amazonaws.com' },
            action: 'lambda:InvokeFunction',
            resource: functionArn,
            context: sourceOf(sourceArn),
          },
        ];
  });
}

/** Each method of the API: its HTTP method, its path (`{param}`s given an example value) and the function it integrates. */
export function apiMethods(model: AccessModel): Array<{ method: string; path: string; functionArn?: string }> {
  const pathOf = (resourceId: string | undefined): string => {
    const resource = resourceId === undefined ? undefined : model.resources[resourceId];
    if (resource?.Type !== 'AWS::ApiGateway::Resource') return '';
    const parent = resource.Properties?.ParentId;
    const part = String(resource.Properties?.PathPart).replace(/^\{.*\}$/, 'example');
    return `${pathOf(parent?.Ref)}/${part}`;
  };
  return model.idsOf('AWS::ApiGateway::Method').map((id) => {
    const p = model.resources[id]?.Properties ?? {};
    const uri = model.resolver.resolve(p.Integration?.Uri ?? '') as string;
    const functionArn = /functions\/(arn:[^/]+)\/invocations/.exec(uri)?.[1];
    return { method: String(p.HttpMethod), path: pathOf(p.ResourceId?.Ref) || '/', ...(functionArn === undefined ? {} : { functionArn }) };
  });
}

function sendTo(model: AccessModel, label: string, caller: { role: string }, queueArn: string): AccessRequest[] {
  return [
    { label: `${label} → sqs:SendMessage on ${queueArn}`, caller, action: 'sqs:SendMessage', resource: queueArn },
    ...model.keyRequests(`${label} → ${queueArn}`, caller, model.named(queueArn).logicalId),
  ];
}
