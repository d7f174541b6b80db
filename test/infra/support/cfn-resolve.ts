/**
 * Resolves a synthesized template's intrinsic functions (Ref, Fn::GetAtt, Fn::Join, Fn::Sub,
 * Fn::Select, Fn::Split, Fn::FindInMap) into the concrete names and ARNs one deployment would have,
 * in a fixed account and region: what the access-path suite evaluates policies over. Physical names
 * CloudFormation would generate are the logical ids; everything else follows each service's ARN format.
 */

/** Where the template is imagined deployed. */
export const DEPLOYMENT = { account: '111122223333', region: 'eu-west-1', partition: 'aws', urlSuffix: 'amazonaws.com', stackName: 'EdweStack' } as const;

type Resource = { Type: string; Properties: Record<string, any> };
export type CfnTemplate = { Resources: Record<string, Resource>; Mappings?: Record<string, Record<string, Record<string, unknown>>> };

/** A resource's concrete identifiers: what `Ref` answers and each attribute `Fn::GetAtt` may ask. */
interface Identity {
  ref: string;
  attributes: Record<string, string>;
}

const { account, region, partition } = DEPLOYMENT;
const arn = (service: string, resource: string, inRegion = true, inAccount = true) =>
  `arn:${partition}:${service}:${inRegion ? region : ''}:${inAccount ? account : ''}:${resource}`;

/** The template's values, resolved; `resolve` works on any part of it. */
export class TemplateResolver {
  private readonly identities = new Map<string, Identity>();
  private readonly resolving = new Set<string>();

  constructor(readonly template: CfnTemplate) {}

  /** `value` with every intrinsic replaced by what it resolves to. */
  resolve(value: unknown): any {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 1) {
      const [[key, arg]] = entries as [[string, any]];
      switch (key) {
        case 'Ref':
          return this.ref(arg as string);
        case 'Fn::GetAtt':
          return this.getAtt(...((typeof arg === 'string' ? arg.split('.') : arg) as [string, string]));
        case 'Fn::Join':
          return (this.resolve(arg[1]) as unknown[]).map(String).join(arg[0] as string);
        case 'Fn::Select':
          return (this.resolve(arg[1]) as unknown[])[Number(this.resolve(arg[0]))];
        case 'Fn::Split':
          return String(this.resolve(arg[1])).split(arg[0] as string);
        case 'Fn::Sub':
          return this.sub(...((typeof arg === 'string' ? [arg, {}] : arg) as [string, Record<string, unknown>]));
        case 'Fn::FindInMap': {
          const [map, top, second] = this.resolve(arg) as [string, string, string];
          const found = this.template.Mappings?.[map]?.[top]?.[second];
          if (found === undefined) throw new Error(`Fn::FindInMap: no ${map}.${top}.${second}`);
          return found;
        }
        default:
          if (key.startsWith('Fn::')) throw new Error(`cannot resolve ${key}`);
      }
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, this.resolve(v)]));
  }

  /** The ARN of a resource by its logical id. */
  arnOf(logicalId: string): string {
    const identity = this.identity(logicalId);
    return identity.attributes.Arn ?? identity.ref;
  }

  /** Every resolved `Ref` value and ARN → the resource's ARN: finds what an environment variable (a name, a URL, an ARN) names. */
  arnsByName(): Map<string, { logicalId: string; arn: string }> {
    const byName = new Map<string, { logicalId: string; arn: string }>();
    for (const logicalId of Object.keys(this.template.Resources)) {
      const identity = this.identity(logicalId);
      const found = { logicalId, arn: identity.attributes.Arn ?? identity.ref };
      byName.set(identity.ref, found);
      for (const value of Object.values(identity.attributes)) if (!byName.has(value)) byName.set(value, found);
    }
    return byName;
  }

  private ref(name: string): string {
    switch (name) {
      case 'AWS::AccountId':
        return account;
      case 'AWS::Region':
        return region;
      case 'AWS::Partition':
        return partition;
      case 'AWS::URLSuffix':
        return DEPLOYMENT.urlSuffix;
      case 'AWS::StackName':
        return DEPLOYMENT.stackName;
      case 'AWS::StackId':
        return arn('cloudformation', `stack/${DEPLOYMENT.stackName}/00000000-0000-0000-0000-000000000000`);
      case 'AWS::NoValue':
        return '';
    }
    return this.identity(name).ref;
  }

  private getAtt(logicalId: string, attribute: string): string {
    const value = this.identity(logicalId).attributes[attribute];
    if (value === undefined) throw new Error(`Fn::GetAtt: ${logicalId} (${this.template.Resources[logicalId]?.Type}) has no attribute ${attribute} in the resolver`);
    return value;
  }

  private sub(text: string, variables: Record<string, unknown>): string {
    return text.replace(/\$\{([^}!]+)\}/g, (_, name: string) => {
      if (name in variables) return String(this.resolve(variables[name]));
      const [id, attribute] = name.split('.') as [string, string | undefined];
      return attribute === undefined ? this.ref(id) : this.getAtt(id, attribute);
    });
  }

  private identity(logicalId: string): Identity {
    const known = this.identities.get(logicalId);
    if (known) return known;
    const resource = this.template.Resources[logicalId];
    if (resource === undefined) throw new Error(`no resource ${logicalId}`);
    if (this.resolving.has(logicalId)) throw new Error(`resolving ${logicalId} needs itself`);
    this.resolving.add(logicalId);
    const identity = this.identify(logicalId, resource);
    this.resolving.delete(logicalId);
    this.identities.set(logicalId, identity);
    return identity;
  }

  /** The concrete identifiers of one resource: given names where the template names it, else the logical id. */
  private identify(id: string, { Type: type, Properties: p = {} }: Partial<Resource> & { Type: string }): Identity {
    const named = (prop: string): string => (p[prop] === undefined ? id : String(this.resolve(p[prop])));
    switch (type) {
      case 'AWS::Lambda::Function': {
        const name = named('FunctionName');
        return { ref: name, attributes: { Arn: arn('lambda', `function:${name}`) } };
      }
      case 'AWS::DynamoDB::Table': {
        const name = named('TableName');
        const tableArn = arn('dynamodb', `table/${name}`);
        return { ref: name, attributes: { Arn: tableArn, StreamArn: `${tableArn}/stream/2026-01-01T00:00:00.000` } };
      }
      case 'AWS::SQS::Queue': {
        const name = named('QueueName');
        return { ref: `https://sqs.${region}.${DEPLOYMENT.urlSuffix}/${account}/${name}`, attributes: { Arn: arn('sqs', name), QueueName: name } };
      }
      case 'AWS::SNS::Topic': {
        const name = named('TopicName');
        const topicArn = arn('sns', name);
        return { ref: topicArn, attributes: { TopicArn: topicArn, TopicName: name } };
      }
      case 'AWS::KMS::Key': {
        const keyId = `${id.toLowerCase().slice(0, 8).padEnd(8, '0')}-0000-4000-8000-000000000000`;
        return { ref: keyId, attributes: { Arn: arn('kms', `key/${keyId}`), KeyId: keyId } };
      }
      case 'AWS::StepFunctions::StateMachine': {
        const name = named('StateMachineName');
        const machineArn = arn('states', `stateMachine:${name}`);
        return { ref: machineArn, attributes: { Arn: machineArn, Name: name } };
      }
      case 'AWS::Logs::LogGroup': {
        const name = named('LogGroupName');
        return { ref: name, attributes: { Arn: arn('logs', `log-group:${name}:*`) } };
      }
      case 'AWS::IAM::Role': {
        const name = named('RoleName');
        return { ref: name, attributes: { Arn: arn('iam', `role/${name}`, false), RoleId: `AROA${id.toUpperCase().slice(0, 16)}` } };
      }
      case 'AWS::IAM::ManagedPolicy': {
        const name = named('ManagedPolicyName');
        return { ref: arn('iam', `policy/${name}`, false), attributes: {} };
      }
      case 'AWS::Events::EventBus': {
        const name = named('Name');
        return { ref: name, attributes: { Arn: arn('events', `event-bus/${name}`), Name: name } };
      }
      case 'AWS::Events::Rule': {
        const name = named('Name');
        const bus = p.EventBusName === undefined ? undefined : String(this.resolve(p.EventBusName));
        const busName = bus?.startsWith('arn:') ? bus.split('/').pop() : bus;
        return { ref: name, attributes: { Arn: arn('events', `rule/${busName === undefined || busName === 'default' ? '' : `${busName}/`}${name}`) } };
      }
      case 'AWS::Scheduler::ScheduleGroup': {
        const name = named('Name');
        return { ref: name, attributes: { Arn: arn('scheduler', `schedule-group/${name}`) } };
      }
      case 'AWS::Scheduler::Schedule': {
        const name = named('Name');
        const group = p.GroupName === undefined ? 'default' : String(this.resolve(p.GroupName));
        return { ref: name, attributes: { Arn: arn('scheduler', `schedule/${group}/${name}`) } };
      }
      case 'AWS::Kinesis::Stream': {
        const name = named('Name');
        return { ref: name, attributes: { Arn: arn('kinesis', `stream/${name}`) } };
      }
      case 'AWS::CloudWatch::Alarm': {
        const name = named('AlarmName');
        return { ref: name, attributes: { Arn: arn('cloudwatch', `alarm:${name}`) } };
      }
      case 'AWS::ApiGateway::RestApi': {
        const apiId = id
          .toLowerCase()
          .replace(/[^a-z0-9]/g, '')
          .slice(0, 10);
        return { ref: apiId, attributes: { RootResourceId: `${apiId}root`, Arn: arn('execute-api', `${apiId}`) } };
      }
      case 'AWS::ApiGateway::Stage':
        return { ref: named('StageName'), attributes: {} };
      case 'AWS::SecretsManager::Secret':
        return { ref: arn('secretsmanager', `secret:${id}-AbCdEf`), attributes: {} };
      default:
        return { ref: id, attributes: { Arn: arn(type.split('::')[1]?.toLowerCase() ?? 'unknown', id) } };
    }
  }
}
