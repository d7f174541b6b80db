/**
 * The deployed system's access paths, read from a synthesized template: who calls what (each
 * function's runtime calls from lambdas/aws/wiring/runtime-calls.ts, and the calls AWS services make
 * on the engine's behalf), with the policies AWS would weigh — the caller's identity policies, the
 * target's resource policy (topic, queue, function permissions, key policy, API policy) — all
 * resolved to concrete ARNs (cfn-resolve.ts); key uses as key-use.ts says. `evaluate` asks @cloud-copilot/iam-simulate.
 */
import { runSimulation, runUnsafeSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import type { RuntimeCall } from '../../../lambdas/aws/wiring/runtime-call-kit.js';
import { RUNTIME_CALLS } from '../../../lambdas/aws/wiring/runtime-calls.js';
import { type CfnTemplate, DEPLOYMENT, TemplateResolver } from './cfn-resolve.js';
import { encryptionContext, KEY_PROPERTY, keyActions } from './key-use.js';

type Policy = { Version?: string; Statement: Array<Record<string, any>> };

/** Who makes a request: a role of the stack (by logical id), an AWS service, or a principal outside it with its own policies. */
export type Caller = { role: string } | { service: string } | { principal: string; policies: Policy[] };

/** One request as AWS receives it. */
export interface AccessRequest {
  /** Names the path in the suite's output, e.g. `edwe-router → dynamodb:PutItem on …/table/StateStore…`. */
  readonly label: string;
  readonly caller: Caller;
  readonly action: string;
  readonly resource: string;
  readonly context?: Readonly<Record<string, string | readonly string[]>>;
}

export type Decision = 'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied' | `error: ${string}`;

const { account, region, partition } = DEPLOYMENT;

/**
 * Actions the service authorization reference lists without a resource type, which Step Functions
 * nevertheless authorizes against the state machine that issued the task token (its AccessDenied
 * names `…:stateMachine:<name>`; aws/aws-cdk#8486 tested it): evaluated on that machine's ARN.
 */
const AUTHORIZED_ON_ISSUER = new Set(['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat']);

export class AccessModel {
  readonly resolver: TemplateResolver;
  readonly resources: CfnTemplate['Resources'];
  private readonly byName: Map<string, { logicalId: string; arn: string }>;

  constructor(template: CfnTemplate) {
    this.resolver = new TemplateResolver(template);
    this.resources = template.Resources;
    this.byName = this.resolver.arnsByName();
  }

  /** Logical ids of the resources of a type. */
  idsOf(type: string): string[] {
    return Object.entries(this.resources)
      .filter(([, r]) => r.Type === type)
      .map(([id]) => id);
  }

  /** A function's key in RUNTIME_CALLS: its service name, or `edwe-task:<file>` for a task function. */
  functionKey(functionId: string): string {
    const p = this.resources[functionId]?.Properties ?? {};
    const service = String(p.Environment?.Variables?.POWERTOOLS_SERVICE_NAME);
    return service === 'edwe-task' ? `edwe-task:${String(p.Description).replace(/^edwe task /, '')}` : service;
  }

  /** The logical id of the role a function or state machine runs as. */
  roleOf(logicalId: string): string {
    const p = this.resources[logicalId]?.Properties ?? {};
    const role = p.Role ?? p.RoleArn;
    return role['Fn::GetAtt'][0] as string;
  }

  /** The resource an environment value (a name, URL or ARN) names. */
  named(value: string): { logicalId: string; arn: string } {
    const found = this.byName.get(value);
    if (found === undefined) throw new Error(`no resource of the stack is named ${value}`);
    return found;
  }

  /** The workflow state machines: every machine whose role may invoke task functions (not the replay driver). */
  workflowMachines(): string[] {
    return this.idsOf('AWS::StepFunctions::StateMachine').filter((id) => this.resources[id]?.Properties?.DefinitionSubstitutions?.ReplayPageFunctionArn === undefined);
  }

  /** The requests a function's runtime calls make: each call, and the key use it implies on an encrypted resource. */
  functionRequests(functionId: string, calls: readonly RuntimeCall[] = RUNTIME_CALLS[this.functionKey(functionId)] ?? []): AccessRequest[] {
    const key = this.functionKey(functionId);
    const env = this.resolver.resolve(this.resources[functionId]?.Properties?.Environment?.Variables ?? {}) as Record<string, string>;
    const caller = { role: this.roleOf(functionId) };
    const made = calls.filter(
      (call) => (call.when ?? []).every((name) => env[name] !== undefined) && Object.entries(call.unless ?? {}).every(([name, value]) => env[name] !== value),
    );
    const contextOf = (context: NonNullable<RuntimeCall['context']>) =>
      Object.fromEntries(Object.entries(context).map(([name, value]) => [name, typeof value === 'object' && 'env' in value ? this.envValue(key, env, value.env) : value]));
    return made.flatMap((call) => {
      // An execution's ARN: its machine's, `execution` for `stateMachine`, and a name; its data is under the machine's key.
      const executionOf = (id: string) => ({ logicalId: id, arn: `${this.resolver.arnOf(id).replace(':stateMachine:', ':execution:')}:example` });
      const targets =
        'workflows' in call.on
          ? this.workflowMachines().map((id) => ({ logicalId: id, arn: this.resolver.arnOf(id) }))
          : 'executions' in call.on
            ? this.workflowMachines().map(executionOf)
            : [this.envTarget(key, env, call.on.env)].map((t) => ('index' in call.on && call.on.index !== undefined ? { ...t, arn: `${t.arn}/index/${call.on.index}` } : t));
      return targets.flatMap((target) => [
        {
          label: `${key} → ${call.action} on ${target.arn} (${call.why})`,
          caller,
          action: call.action,
          resource: target.arn,
          ...(call.context ? { context: contextOf(call.context) } : {}),
        },
        ...this.keyRequests(`${key} → ${call.action}`, caller, target.logicalId),
      ]);
    });
  }

  /** The key uses of a call on `logicalId` when a customer-managed key encrypts it. */
  keyRequests(label: string, caller: Caller, logicalId: string, extra: Record<string, string> = {}): AccessRequest[] {
    const resource = this.resources[logicalId];
    const keyRef = resource === undefined ? undefined : KEY_PROPERTY[resource.Type]?.(resource.Properties ?? {});
    if (keyRef === undefined || resource === undefined) return [];
    const keyArn = this.keyArn(this.resolver.resolve(keyRef) as string);
    const arn = this.resolver.arnOf(logicalId);
    const own = encryptionContext(resource.Type, arn, this.resolver.resolve({ Ref: logicalId }) as string);
    // A service using the key for a role's call says so (kms:ViaService: the `aws:<service>:` of its context) and names the
    // role's account; for its own deliveries it does not.
    const service = Object.keys(own)[0]?.split(':')[3];
    const via = 'role' in caller ? { 'kms:ViaService': `${service}.${region}.amazonaws.com`, 'kms:CallerAccount': account } : {};
    const context = { ...own, ...via, ...extra };
    return keyActions(resource.Type).map((action) => ({ label: `${label}: ${action} with ${JSON.stringify(context)}`, caller, action, resource: keyArn, context }));
  }

  /** Evaluates one request as AWS would: the caller's identity policies with the target's resource policy (for KMS, the key policy). */
  async evaluate(request: AccessRequest): Promise<Decision> {
    const principal = 'role' in request.caller ? this.resolver.arnOf(request.caller.role) : 'service' in request.caller ? request.caller.service : request.caller.principal;
    const identityPolicies =
      'role' in request.caller
        ? this.identityPolicies(request.caller.role).map((policy, i) => ({ name: `policy${i}`, policy }))
        : 'policies' in request.caller
          ? request.caller.policies.map((policy, i) => ({ name: `policy${i}`, policy }))
          : [];
    const resourcePolicy = this.resourcePolicy(request.resource);
    const resourceAccount = request.resource.split(':')[4] || account;
    const simulation: Simulation = {
      request: {
        principal,
        action: request.action,
        resource: { resource: request.resource, accountId: resourceAccount },
        contextVariables: { 'aws:SecureTransport': 'true', ...(request.context as Record<string, string | string[]>) },
      },
      identityPolicies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(resourcePolicy === undefined ? {} : { resourcePolicy }),
    };
    if (AUTHORIZED_ON_ISSUER.has(request.action)) return this.unsafe(simulation, resourcePolicy);
    const response = await runSimulation(simulation, {});
    if (response.resultType === 'error') return `error: ${JSON.stringify(response.errors).slice(0, 600)}`;
    if (response.resultType !== 'single') return `error: ${request.resource} is not one resource`;
    // The simulator knows `kms:EncryptionContext:<key>` only as a pattern it does not match, and drops
    // those keys: with every other input validated above, the decision is taken again with them.
    const ignored = response.result.ignoredContextKeys ?? [];
    const unknown = ignored.filter((key) => !key.startsWith('kms:EncryptionContext:'));
    if (unknown.length > 0) return `error: the simulator does not know ${unknown.join(', ')} for ${request.action}`;
    if (ignored.length === 0) return response.overallResult as Decision;
    return this.unsafe(simulation, resourcePolicy);
  }

  /** The simulator's evaluation without its input checks. */
  private unsafe(simulation: Simulation, resourcePolicy: Policy | undefined): Decision {
    // (The unsafe run loads the resource policy without the name the safe one gives it: hand it over named.)
    const named = resourcePolicy === undefined ? {} : { resourcePolicy: { __validated: true, policyDocument: resourcePolicy, metadata: { name: 'resource' } } };
    return runUnsafeSimulation({ ...simulation, ...named }, {}) as Decision;
  }

  /** Every statement of the policies attached to a role, resolved. */
  identityPolicies(roleId: string): Policy[] {
    const role = this.resources[roleId]?.Properties ?? {};
    const inline = ((role.Policies ?? []) as Array<{ PolicyDocument: Policy }>).map((p) => p.PolicyDocument);
    const attached = Object.values(this.resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy' && (r.Properties.Roles as Array<{ Ref: string }>).some((ref) => ref.Ref === roleId))
      .map((r) => r.Properties.PolicyDocument as Policy);
    const managed = ((role.ManagedPolicyArns ?? []) as unknown[]).flatMap((arn) => {
      const id = (arn as { Ref?: string }).Ref;
      return id !== undefined && this.resources[id]?.Type === 'AWS::IAM::ManagedPolicy' ? [this.resources[id]?.Properties?.PolicyDocument as Policy] : [];
    });
    return this.resolver.resolve([...inline, ...attached, ...managed]) as Policy[];
  }

  /** The resource policy AWS weighs for a call on `arn`, resolved: a topic's, a queue's, a function's permissions, a key's, an API's. */
  resourcePolicy(arn: string): Policy | undefined {
    const [, , service] = arn.split(':');
    const logicalId = service === 'execute-api' ? this.idsOf('AWS::ApiGateway::RestApi')[0] : this.byName.get(arn.replace(/\/index\/.*$/, ''))?.logicalId;
    if (logicalId === undefined) return undefined;
    const resource = this.resources[logicalId];
    const p = resource?.Properties ?? {};
    const statements = (type: string, listKey: string, documentKey = 'PolicyDocument') =>
      Object.values(this.resources)
        .filter((r) => r.Type === type && (r.Properties[listKey] as Array<{ Ref: string }>).some((ref) => ref.Ref === logicalId))
        .flatMap((r) => (r.Properties[documentKey] as Policy).Statement);
    switch (resource?.Type) {
      case 'AWS::KMS::Key':
        return this.resolver.resolve(p.KeyPolicy) as Policy;
      case 'AWS::SNS::Topic':
        return this.document(statements('AWS::SNS::TopicPolicy', 'Topics'));
      case 'AWS::SQS::Queue':
        return this.document(statements('AWS::SQS::QueuePolicy', 'Queues'));
      case 'AWS::Lambda::Function':
        return this.document(this.lambdaPermissions(logicalId));
      case 'AWS::IAM::Role':
        // Who may assume the role: its trust policy.
        return this.resolver.resolve(p.AssumeRolePolicyDocument) as Policy;
      case 'AWS::ApiGateway::RestApi': {
        if (p.Policy === undefined) return undefined;
        // API Gateway's `execute-api:/…` shorthand names this API's own ARN.
        const apiArn = `arn:${partition}:execute-api:${region}:${account}:${this.resolver.resolve({ Ref: logicalId }) as string}`;
        return JSON.parse(JSON.stringify(this.resolver.resolve(p.Policy)).replaceAll('"execute-api:/', `"${apiArn}/`)) as Policy;
      }
      default:
        return undefined;
    }
  }

  private document(statements: Array<Record<string, any>>): Policy | undefined {
    return statements.length === 0 ? undefined : (this.resolver.resolve({ Version: '2012-10-17', Statement: statements }) as Policy);
  }

  /** A function's `AWS::Lambda::Permission`s as the statements of its resource policy. */
  private lambdaPermissions(functionId: string): Array<Record<string, any>> {
    const fnArn = this.resolver.arnOf(functionId);
    return Object.values(this.resources)
      .filter((r) => r.Type === 'AWS::Lambda::Permission')
      .map((r) => this.resolver.resolve(r.Properties) as Record<string, string>)
      .filter((p) => p.FunctionName === fnArn || p.FunctionName === this.resolver.resolve({ Ref: functionId }))
      .map((p) => ({
        Effect: 'Allow',
        Principal: p.Principal?.endsWith('amazonaws.com') ? { Service: p.Principal } : { AWS: p.Principal },
        Action: p.Action,
        Resource: fnArn,
        ...(p.SourceArn === undefined && p.SourceAccount === undefined
          ? {}
          : {
              Condition: {
                ...(p.SourceArn === undefined ? {} : { ArnLike: { 'AWS:SourceArn': p.SourceArn } }),
                ...(p.SourceAccount === undefined ? {} : { StringEquals: { 'AWS:SourceAccount': p.SourceAccount } }),
              },
            }),
      }));
  }

  private envTarget(key: string, env: Record<string, string>, name: string): { logicalId: string; arn: string } {
    return this.named(this.envValue(key, env, name));
  }

  private envValue(key: string, env: Record<string, string>, name: string): string {
    const value = env[name];
    if (value === undefined) throw new Error(`${key} calls with ${name}, which its environment does not set`);
    return value;
  }

  private keyArn(ref: string): string {
    return ref.startsWith('arn:') ? ref : this.named(ref).arn;
  }
}
