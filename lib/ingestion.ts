/**
 * The HTTP API (docs/sources.md) on API Gateway (REST, Lambda proxy): `POST /events` (and each configured
 * webhook path) reach the ingest Lambda, which may put and get items; `GET /events`, `GET /events/{id}`
 * and `GET /correlations/{correlationId}` reach the query Lambda, which may only query the table's
 * indexes and get an event by id. With a State table, `GET /executions` and `GET /executions/{name}` reach
 * the query Lambda too, which may then also query the State table's indexes and get execution records.
 *
 * Guarded (docs/operations.md, "Access control"): IAM SigV4 by default, or API keys with a usage plan; an access policy naming
 * which sources each caller may publish; ingest bodies validated by a JSON-schema model before the
 * Lambda runs; a throttled, traced stage with JSON access logs (see lib/api-protection.ts).
 */
import { Stack, Token, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ENV } from '../lambdas/layout/environment.js';
import { EVENTS_TABLE } from '../lambdas/layout/events-table.js';
import { STATE_TABLE } from '../lambdas/layout/state-table.js';
import { contractErrorResponses, createUsagePlan, ingestBodyValidation, stageOptions, type ThrottleSettings } from './api-protection.js';
import { grantKeyUseVia } from './encryption.js';
import type { CallerSetting } from './engine-settings.js';
import { fastPathFunctionProps, grantFastPath, type FastPathProps } from './fast-path.js';
import { checkedRetentionDays, createIngestFunction, type EventTableProps } from './ingest-function.js';
import { createFunction, handlerEntry, type EdweFunctionProps } from './lambda-defaults.js';
import { readHourMarksStatement } from './hour-marks-grants.js';

/** Lambda's limit on a function's whole environment is 4 KB; the policy must leave room for the rest. */
const MAX_POLICY_CHARS = 3000;

export interface IngestionProps extends EventTableProps {
  /** `iam` (SigV4; the default) or `api-key` (`x-api-key`, a usage plan with one key per `access` caller named by `apiKey`). */
  readonly auth?: 'iam' | 'api-key';
  /**
   * Overrides `auth` with another authorization type, e.g. `AuthorizationType.NONE` for an open
   * endpoint — which, writing events and starting workflows, should be a deliberate choice.
   */
  readonly authorizationType?: apigw.AuthorizationType;
  /** Which sources each caller may publish (a caller not listed: none). Default: every authorised caller, any source. */
  readonly access?: { readonly callers: readonly CallerSetting[] };
  /** The stage's (and each API key's) throttle. Default 500 requests/s, burst 1,000. */
  readonly throttle?: ThrottleSettings;
  /** With API keys: requests per key per period. */
  readonly quota?: { limit: number; period: 'DAY' | 'WEEK' | 'MONTH' };
  /**
   * Whether to set the account's CloudWatch role for API Gateway (needed by access and execution
   * logs; one per account and region, so two stacks would overwrite each other). Default false: the
   * account's role is set once, by one stack or by hand (docs/operations.md).
   */
  readonly apiCloudWatchRole?: boolean;
  /** How long access logs and the functions' logs are kept. Default one month. */
  readonly logRetention?: logs.RetentionDays;
  /** The State table (same key as the Events table): serves `GET /executions` and the executions of timelines. */
  readonly stateTable?: dynamodb.ITable;
  /** More `POST` paths that ingest like `POST /events` (the config's webhook endpoints), e.g. `/webhooks/github`. */
  readonly webhookPaths?: readonly string[];
  /**
   * The fast path (docs/capacity.md): the ingest function starts the workflows of the events it has
   * just stored, as the router would, before it answers. Default: off (the router starts them).
   */
  readonly fastPath?: FastPathProps;
  /** Merged over the REST API defaults (regional endpoint, the protected stage `v1`). */
  readonly restApiProps?: Partial<apigw.RestApiProps>;
  /** Merged over the ingest function's defaults. */
  readonly functionProps?: Partial<EdweFunctionProps>;
  /** Merged over the query function's defaults. */
  readonly queryFunctionProps?: Partial<EdweFunctionProps>;
}

/**
 * The API's resource policy with IAM authorization: signed requests of principals outside the
 * account are refused, whatever their own policies allow. It allows nothing by itself, so a caller
 * of the account still needs an identity policy naming the routes it may invoke.
 */
function ownAccountOnly(account: string): iam.PolicyDocument {
  return new iam.PolicyDocument({
    statements: [
      new iam.PolicyStatement({
        sid: 'OnlyThisAccount',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['execute-api:Invoke'],
        resources: ['execute-api:/*'],
        conditions: { StringNotEquals: { 'aws:PrincipalAccount': account } },
      }),
    ],
  });
}

/**
 * @example new Ingestion(this, 'Ingestion', { table: store.table, encryptionKey: store.encryptionKey })
 */
export class Ingestion extends Construct {
  public readonly api: apigw.RestApi;
  public readonly ingestFunction: NodejsFunction;
  public readonly queryFunction: NodejsFunction;
  /** The stage's JSON access logs. */
  public readonly accessLogs: logs.LogGroup;
  /** With API keys: the usage plan, and each caller's key by its name. */
  public readonly usagePlan?: apigw.UsagePlan;
  public readonly apiKeys = new Map<string, apigw.IApiKey>();

  constructor(scope: Construct, id: string, props: IngestionProps) {
    super(scope, id);
    const retentionDays = checkedRetentionDays(props.retentionDays, 'Ingestion');
    const auth = props.auth ?? 'iam';
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    const keyed = { logRetention, ...(props.encryptionKey === undefined ? {} : { logKey: props.encryptionKey }) };

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: logRetention, ...(props.encryptionKey === undefined ? {} : { encryptionKey: props.encryptionKey }) });
    const throttle = props.throttle ?? { rateLimit: 500, burstLimit: 1000 };
    const defaultMethodOptions: apigw.MethodOptions =
      props.authorizationType !== undefined
        ? { authorizationType: props.authorizationType }
        : auth === 'api-key'
          ? { authorizationType: apigw.AuthorizationType.NONE, apiKeyRequired: true }
          : { authorizationType: apigw.AuthorizationType.IAM };
    this.api = new apigw.RestApi(this, 'Api', {
      description: 'edwe: event ingestion and queries',
      endpointTypes: [apigw.EndpointType.REGIONAL],
      // Access and execution logs need the account's CloudWatch role for API Gateway (one per account and region).
      cloudWatchRole: props.apiCloudWatchRole ?? false,
      defaultMethodOptions,
      ...(defaultMethodOptions.authorizationType === apigw.AuthorizationType.IAM ? { policy: ownAccountOnly(Stack.of(this).account) } : {}),
      ...props.restApiProps,
      deployOptions: { ...stageOptions(throttle, this.accessLogs), ...props.restApiProps?.deployOptions },
    });
    contractErrorResponses(this.api);
    this.acknowledgeApiRules(auth, props.authorizationType);

    if (auth === 'api-key') {
      const keyNames = (props.access?.callers ?? []).flatMap((caller) => ('apiKey' in caller ? [caller.apiKey] : []));
      const { plan, keys } = createUsagePlan(this, this.api, { throttle, ...(props.quota === undefined ? {} : { quota: props.quota }), keyNames });
      this.usagePlan = plan;
      for (const [name, key] of keys) this.apiKeys.set(name, key);
    }

    this.ingestFunction = createIngestFunction(this, 'IngestFunction', {
      ...props,
      handler: 'ingest-http',
      serviceName: 'edwe-ingest',
      description: 'edwe: validates and stores events received over HTTP',
      functionProps: this.ingestFunctionProps(props, {
        ...keyed,
        ...props.functionProps,
        environment: { ...this.accessEnvironment(props), ...props.functionProps?.environment },
      }),
    });
    if (props.fastPath !== undefined) grantFastPath(this.ingestFunction, props.fastPath);

    this.queryFunction = createFunction(this, 'QueryFunction', {
      entry: handlerEntry('query-http'),
      serviceName: 'edwe-query',
      description: 'edwe: answers GET /events and GET /correlations/{id} from the table indexes',
      ...keyed,
      ...props.queryFunctionProps,
      // The default window of a query without `from` is the retention period.
      environment: {
        [ENV.EVENTS_TABLE]: props.table.tableName,
        [ENV.RETENTION_DAYS]: String(retentionDays),
        ...(props.stateTable === undefined ? {} : { [ENV.STATE_TABLE]: props.stateTable.tableName }),
        ...props.queryFunctionProps?.environment,
      },
    });
    this.grantQueries(props);

    const ingest = new apigw.LambdaIntegration(this.ingestFunction, { proxy: true });
    const query = new apigw.LambdaIntegration(this.queryFunction, { proxy: true });
    const { model, validator } = ingestBodyValidation(this.api);
    const validated: apigw.MethodOptions = { requestValidator: validator, requestModels: { $default: model } };
    const events = this.api.root.addResource('events');
    events.addMethod('POST', ingest, validated);
    events.addMethod('GET', query);
    // The query function, which cannot open a sealed field (the ingest function, with the fast path, holds a field-key Decrypt).
    events.addResource('{id}').addMethod('GET', query);
    this.api.root.addResource('correlations').addResource('{correlationId}').addMethod('GET', query);
    if (props.stateTable !== undefined) {
      const executions = this.api.root.addResource('executions');
      executions.addMethod('GET', query);
      executions.addResource('{name}').addMethod('GET', query);
    }
    for (const path of props.webhookPaths ?? []) {
      path
        .split('/')
        .slice(1)
        .reduce<apigw.IResource>((parent, part) => parent.getResource(part) ?? parent.addResource(part), this.api.root)
        .addMethod('POST', ingest, validated);
    }
  }

  /** The ingest function's props, with the fast path's bundled rules and environment when it is on. */
  private ingestFunctionProps(props: IngestionProps, base: Partial<EdweFunctionProps>): Partial<EdweFunctionProps> {
    return props.fastPath === undefined ? base : fastPathFunctionProps(this, props.fastPath, base);
  }

  /** `ACCESS_POLICY` for the ingest function: each caller's principal (API keys by their id) and sources. */
  private accessEnvironment(props: IngestionProps): Record<string, string> {
    if (props.access === undefined) return {};
    const callers = props.access.callers.map((caller) => {
      if (!('apiKey' in caller)) return { principal: caller.principal, sources: caller.sources };
      const key = this.apiKeys.get(caller.apiKey);
      if (key === undefined) throw new Error(`Ingestion: access caller apiKey "${caller.apiKey}" needs auth: api-key`);
      return { principal: key.keyId, sources: caller.sources };
    });
    // An API key id is 10 characters: measure with a stand-in of that length.
    const measured = JSON.stringify({ callers: callers.map((c) => ({ ...c, principal: Token.isUnresolved(c.principal) ? 'x'.repeat(10) : c.principal })) });
    if (measured.length > MAX_POLICY_CHARS) {
      throw new Error(
        `Ingestion: the access policy is ${measured.length} characters of JSON; at most ${MAX_POLICY_CHARS} fit in the function's environment (use prefixes like "shop-*")`,
      );
    }
    return { [ENV.ACCESS_POLICY]: Stack.of(this).toJsonString({ callers }) };
  }

  /** Read-only, and only through the named indexes: every read of the query function is a Query of one of them (or an execution record). */
  private grantQueries(props: IngestionProps): void {
    const indexArns = (table: dynamodb.ITable, names: readonly string[]) => names.map((name) => `${table.tableArn}/index/${name}`);
    this.queryFunction.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'QueryEventIndexes',
        actions: ['dynamodb:Query'],
        resources: indexArns(props.table, [EVENTS_TABLE.byTime.indexName, EVENTS_TABLE.byCorrelation.indexName]),
      }),
    );
    this.queryFunction.addToRolePolicy(readHourMarksStatement(props.table));
    if (props.stateTable !== undefined) {
      // Execution records only: by name (GetItem of `EXEC#…` keys), and by event or correlation (the indexes).
      this.queryFunction.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'GetExecutionRecords',
          actions: ['dynamodb:GetItem'],
          resources: [props.stateTable.tableArn],
          conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${STATE_TABLE.prefix.execution}*`] } },
        }),
      );
      this.queryFunction.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'QueryExecutionIndexes',
          actions: ['dynamodb:Query'],
          resources: indexArns(
            props.stateTable,
            [STATE_TABLE.byEvent, STATE_TABLE.byCorrelation, STATE_TABLE.byWorkflow, STATE_TABLE.byStatus].map((index) => index.indexName),
          ),
        }),
      );
    }
    // `GET /events/{id}`, and a timeline's trigger event that the correlation's page does not hold.
    this.queryFunction.addToRolePolicy(new iam.PolicyStatement({ sid: 'GetEvent', actions: ['dynamodb:GetItem'], resources: [props.table.tableArn] }));
    // The tables as DynamoDB decrypts them, not a field's data key: the plain reads answer sealed fields sealed (lib/sensitive-reads.ts reveals).
    grantKeyUseVia(props.encryptionKey, this.queryFunction, [{ tables: props.stateTable === undefined ? [props.table] : [props.table, props.stateTable] }]);
  }

  /** The cdk-nag findings of the API that are choices, each with its reason. */
  private acknowledgeApiRules(auth: 'iam' | 'api-key', authorizationType: apigw.AuthorizationType | undefined): void {
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-COG4',
      reason: 'Callers are services, not end users: they sign with IAM (SigV4) or present an API key; a Cognito user pool would add nothing.',
    });
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG3',
      reason: "A WAF web ACL is the deployer's choice (cost, rules); the API requires IAM or an API key, validates bodies and is throttled per stage.",
    });
    if (auth === 'api-key' || authorizationType === apigw.AuthorizationType.NONE) {
      Validations.of(this.api).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason: 'Chosen by configuration (auth: api-key, or authorizationType NONE): methods require an API key of the usage plan instead of IAM.',
      });
    }
    const role = this.api.node.tryFindChild('CloudWatchRole');
    if (role !== undefined) {
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason: "The account-level role API Gateway uses to write access and execution logs; AWS documents this managed policy for it (log group names are API Gateway's).",
      });
    }
  }
}
