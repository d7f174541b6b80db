/**
 * What the access-path suite holds besides "every call is allowed": the calls that must be denied,
 * every workflow execution having an end, and every Kinesis record outliving its batch's failure.
 */
import { API_ROLE_ROUTES, apiRoleArns, type ApiRole } from '../../../lib/api-roles.js';
import { RECOVERY_MARGIN } from '../../../lib/kinesis-ingestion.js';
import type { RuntimeCall } from '../../../lambdas/aws/wiring/runtime-call-kit.js';
import { RUNTIME_CALLS } from '../../../lambdas/aws/wiring/runtime-calls.js';
import { ENV } from '../../../lambdas/layout/environment.js';
import { EVENTS_TABLE } from '../../../lambdas/layout/events-table.js';
import { STATE_TABLE } from '../../../lambdas/layout/state-table.js';
import type { AccessModel, AccessRequest } from './access-model.js';
import { apiMethods } from './service-paths.js';
import { type CfnTemplate, DEPLOYMENT, TemplateResolver } from './cfn-resolve.js';

const { account, region, partition } = DEPLOYMENT;

/** The one function with this key (service name), by logical id. */
export function functionWithKey(model: AccessModel, key: string): string {
  const found = model.idsOf('AWS::Lambda::Function').filter((id) => model.functionKey(id) === key);
  if (found.length !== 1) throw new Error(`${found.length} functions ${key}`);
  return found[0] as string;
}

/** A call a function does not make, to be refused: its requests without the implied key use (the key is shared on purpose). */
export function refused(model: AccessModel, key: string, call: RuntimeCall, envFrom?: string): AccessRequest[] {
  const fn = functionWithKey(model, key);
  const borrowed = envFrom === undefined ? fn : functionWithKey(model, envFrom);
  // The target is named by the environment of `envFrom` (a function that has it), the caller is `key`'s role.
  return model
    .functionRequests(borrowed, [call])
    .filter((r) => !r.action.startsWith('kms:'))
    .map((r) => ({ ...r, caller: { role: model.roleOf(fn) }, label: r.label.replace(/^[^ ]+/, key) }));
}

/** The functions that hold the engine's key only for what AWS services keep of their data, and never open a field (lib/encryption.ts `grantKeyUseVia`). */
export const NEVER_OPEN = ['edwe-rules-api', 'edwe-replay', 'edwe-replays-api', 'edwe-task:wait-for-event'] as const;

/**
 * `key`'s role asking KMS to open a field's data key, as the revealing reads do (their environment names the key and
 * the table): the one call that turns a sealed field into plaintext, which only the functions that open fields may make.
 */
export function opensField(model: AccessModel, key: string): AccessRequest[] {
  const open = RUNTIME_CALLS['edwe-query-sensitive']?.filter((call) => call.action === 'kms:Decrypt') ?? [];
  return model
    .functionRequests(functionWithKey(model, 'edwe-query-sensitive'), open)
    .map((r) => ({ ...r, caller: { role: model.roleOf(functionWithKey(model, key)) }, label: `${key} → kms:Decrypt of a field's data key` }));
}

/** The calls that must be denied. */
export function deniedRequests(model: AccessModel): AccessRequest[] {
  const apiId = model.resolver.resolve({ Ref: model.idsOf('AWS::ApiGateway::RestApi')[0] }) as string;
  const invoke = (method: string, path: string) => `arn:${partition}:execute-api:${region}:${account}:${apiId}/v1/${method}${path}`;
  const anyInvoke = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: '*' }] };
  const publishOnly = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: invoke('POST', '/events') }] };
  const publisher = `arn:${partition}:iam::${account}:role/Publisher`;
  const outsider = 'arn:aws:iam::444455556666:role/Outsider';
  const readPaths = apiMethods(model).filter((m) => !(m.method === 'POST' && (m.path === '/events' || m.path.startsWith('/webhooks'))));
  const driver = model.idsOf('AWS::StepFunctions::StateMachine').find((id) => !model.workflowMachines().includes(id)) as string;
  const state = { env: ENV.STATE_TABLE } as const;
  const events = { env: ENV.EVENTS_TABLE } as const;
  return [
    // The router starts workflows only: not the replay driver (nor anything else of the account).
    {
      label: 'edwe-router → states:StartExecution on the replay driver',
      caller: { role: model.roleOf(functionWithKey(model, 'edwe-router')) },
      action: 'states:StartExecution',
      resource: model.resolver.arnOf(driver),
    },
    // Ingest is append-only on the Events table and never reads the State table; its fast path writes
    // execution records (EXEC# keys) and nothing else there: not a waiter, a join or a replay job.
    // (Its fast path reads the managed rules, RULE… keys, and nothing else of the State table.)
    ...['dynamodb:GetItem', 'dynamodb:Query'].flatMap((action) =>
      [STATE_TABLE.prefix.execution, STATE_TABLE.prefix.waiter, STATE_TABLE.prefix.replay].flatMap((prefix) =>
        refused(
          model,
          'edwe-ingest',
          { action, on: state, context: { 'dynamodb:LeadingKeys': [`${prefix}example`] }, why: `read a ${prefix} item of the State table` },
          'edwe-router',
        ),
      ),
    ),
    // The rules API keeps managed rules only: not an execution record, a waiter or a replay job.
    ...[STATE_TABLE.prefix.execution, STATE_TABLE.prefix.waiter, STATE_TABLE.prefix.replay].flatMap((prefix) =>
      refused(model, 'edwe-rules-api', {
        action: 'dynamodb:PutItem',
        on: state,
        context: { 'dynamodb:LeadingKeys': [`${prefix}example`] },
        why: `write a ${prefix} item of the State table`,
      }),
    ),
    ...['dynamodb:UpdateItem', 'dynamodb:DeleteItem'].flatMap((action) => refused(model, 'edwe-rules-api', { action, on: events, why: 'change a stored event' })),
    ...[STATE_TABLE.prefix.waiter, STATE_TABLE.prefix.join, STATE_TABLE.prefix.replay].flatMap((prefix) =>
      refused(
        model,
        'edwe-ingest',
        { action: 'dynamodb:PutItem', on: state, context: { 'dynamodb:LeadingKeys': [`${prefix}example`] }, why: `write a ${prefix} item of the State table` },
        'edwe-router',
      ),
    ),
    ...['dynamodb:UpdateItem', 'dynamodb:DeleteItem'].flatMap((action) => refused(model, 'edwe-ingest', { action, on: events, why: 'change a stored event' })),
    // Hour marks' grant (lib/hour-marks-grants.ts) updates HOURS# keys only: not an event's.
    ...refused(model, 'edwe-ingest', {
      action: 'dynamodb:UpdateItem',
      on: events,
      context: { 'dynamodb:LeadingKeys': ['EVT#example'] },
      why: 'change a stored event by its key',
    }),
    // The query function reads through indexes only.
    ...refused(model, 'edwe-query', { action: 'dynamodb:PutItem', on: events, why: 'write an event' }),
    ...refused(model, 'edwe-query', {
      action: 'dynamodb:GetItem',
      on: state,
      context: { 'dynamodb:LeadingKeys': [`${STATE_TABLE.prefix.replay}x`] },
      why: 'read a replay job',
    }),
    // A sealed field is opened only where the docs say (docs/security.md): not by the plain reads (`GET /events…`, the
    // query function), nor by the functions that only seal — though their table grant names the same key. (The HTTP
    // ingest opens with the fast path, on by default: it hands the events it sealed to their workflows.)
    // Nor by the functions whose key grants are only what DynamoDB, SQS, EventBridge and Step Functions use for them.
    ...['edwe-query', 'edwe-ingest-eventbridge', 'edwe-ingest-kinesis', 'edwe-ingest-kafka', ...NEVER_OPEN].flatMap((key) => opensField(model, key)),
    // Routing marks may touch no attribute but its own.
    ...refused(model, 'edwe-router', {
      action: 'dynamodb:UpdateItem',
      on: events,
      context: { 'dynamodb:Attributes': [EVENTS_TABLE.partitionKey, 'data'] },
      why: "rewrite an event's data",
    }),
    // The lifecycle keeps execution records only.
    ...refused(model, 'edwe-lifecycle', {
      action: 'dynamodb:PutItem',
      on: state,
      context: { 'dynamodb:LeadingKeys': [`${STATE_TABLE.prefix.replay}x`] },
      why: 'write a replay job',
    }),
    // Flow control: the lifecycle frees slots (FLOW# items) and touches no waiter; what stops executions stops only the workflows'.
    ...refused(model, 'edwe-lifecycle', {
      action: 'dynamodb:DeleteItem',
      on: state,
      context: { 'dynamodb:LeadingKeys': [`${STATE_TABLE.prefix.waiter}x`] },
      why: 'remove a waiter',
    }),
    {
      label: "edwe-flow-wake → states:StopExecution on the replay driver's execution",
      caller: { role: model.roleOf(functionWithKey(model, 'edwe-flow-wake')) },
      action: 'states:StopExecution',
      resource: `${model.resolver.arnOf(driver).replace(':stateMachine:', ':execution:')}:example`,
    },
    {
      label: "edwe-router → states:StopExecution on the replay driver's execution",
      caller: { role: model.roleOf(functionWithKey(model, 'edwe-router')) },
      action: 'states:StopExecution',
      resource: `${model.resolver.arnOf(driver).replace(':stateMachine:', ':execution:')}:example`,
    },
    // A caller allowed only to publish reads nothing and starts no replay.
    ...readPaths.map(({ method, path }) => ({
      label: `a publish-only caller → ${method} ${path}`,
      caller: { principal: publisher, policies: [publishOnly] },
      action: 'execute-api:Invoke',
      resource: invoke(method, path),
      context: { 'aws:PrincipalAccount': account },
    })),
    // The documented roles (lib/api-roles.ts): each calls its own routes and none of the others'.
    ...roleRequests(model, invoke, 'Denied'),
    // No principal of another account, whatever its own policies say.
    ...apiMethods(model).map(({ method, path }) => ({
      label: `a principal of another account → ${method} ${path}`,
      caller: { principal: outsider, policies: [anyInvoke] },
      action: 'execute-api:Invoke',
      resource: invoke(method, path),
      context: { 'aws:PrincipalAccount': '444455556666' },
    })),
  ];
}

/** Workflow machines whose definition gives executions no end: a top-level TimeoutSeconds is what Step Functions applies. */
export function timeoutProblems(template: CfnTemplate): string[] {
  const resolver = new TemplateResolver(template);
  return Object.entries(template.Resources)
    .filter(([, r]) => r.Type === 'AWS::StepFunctions::StateMachine' && r.Properties?.DefinitionSubstitutions?.ReplayPageFunctionArn === undefined)
    .flatMap(([id, r]) => {
      const definition = JSON.parse(resolver.resolve(r.Properties?.DefinitionString) as string) as { TimeoutSeconds?: unknown };
      const limit = r.Properties?.StateMachineType === 'EXPRESS' ? 300 : 365 * 86_400;
      const seconds = definition.TimeoutSeconds;
      return typeof seconds === 'number' && seconds > 0 && seconds <= limit ? [] : [`${id}: top-level TimeoutSeconds is ${String(seconds)}`];
    });
}

/** Kinesis mappings whose stream does not keep records RECOVERY_MARGIN longer than the mapping retries them. */
export function recoveryProblems(model: AccessModel): string[] {
  return model.idsOf('AWS::Lambda::EventSourceMapping').flatMap((id) => {
    const p = model.resolver.resolve(model.resources[id]?.Properties ?? {}) as Record<string, any>;
    const source = p.EventSourceArn as string | undefined;
    if (source === undefined || !source.includes(':kinesis:') || p.DestinationConfig?.OnFailure === undefined) return [];
    const stream = model.resources[model.named(source).logicalId]?.Properties ?? {};
    const keptSeconds = Number(stream.RetentionPeriodHours ?? 24) * 3600;
    const retriedSeconds = Number(p.MaximumRecordAgeInSeconds ?? 604_800);
    return keptSeconds - retriedSeconds >= RECOVERY_MARGIN.toSeconds() ? [] : [`${id}: ${source} keeps records ${keptSeconds} s, retried for ${retriedSeconds} s`];
  });
}

export { RUNTIME_CALLS };

/** What a route of `API_ROLE_ROUTES` allows: `*` anything, slashes included, as in an execute-api ARN. */
const routeMatches = (route: string, method: string, path: string): boolean => {
  const [m, p] = route.split(' ') as [string, string];
  return m === method && new RegExp(`^${p.replace(/\*/g, '.*')}$`).test(path);
};

/**
 * Every API method against each documented role's policy: `Allowed` gives the calls the role's routes name,
 * `Denied` all the others (with IAM auth, the API's resource policy lets the stack's own account in).
 */
export function roleRequests(model: AccessModel, invoke: (method: string, path: string) => string, expected: 'Allowed' | 'Denied'): AccessRequest[] {
  const stage = invoke('', '').replace(/\/$/, '');
  return (Object.keys(API_ROLE_ROUTES) as ApiRole[]).flatMap((role) => {
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: apiRoleArns(role, stage) }] };
    return apiMethods(model)
      .filter(({ method, path }) => API_ROLE_ROUTES[role].some((route) => routeMatches(route, method, path)) === (expected === 'Allowed'))
      .map(({ method, path }) => ({
        label: `the ${role} role → ${method} ${path}`,
        caller: { principal: `arn:${partition}:iam::${account}:role/${role}`, policies: [policy] },
        action: 'execute-api:Invoke',
        resource: invoke(method, path),
        context: { 'aws:PrincipalAccount': account },
      }));
  });
}
