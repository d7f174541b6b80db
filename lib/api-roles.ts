/**
 * Least-privilege IAM policies for the four kinds of caller of the engine's REST API (docs/security.md,
 * "Roles on AWS"): each names the method ARNs it may invoke and nothing else. As data, so a deployer can attach
 * them (`apiRoleStatement`) and test/infra/access-paths.test.ts can prove them against the synthesized API.
 */
import * as iam from 'aws-cdk-lib/aws-iam';

/** The caller roles the docs describe. */
export type ApiRole = 'publisher' | 'operator' | 'rules-admin' | 'sensitive-reader';

/** `METHOD /path` (`*` for a path segment): the routes each role may call. */
export const API_ROLE_ROUTES: Readonly<Record<ApiRole, readonly string[]>> = {
  /** Sends events: nothing else, not even reading them back. */
  publisher: ['POST /events'],
  /**
   * Watches, replays and acts on executions: reads events, timelines, executions and rules, starts and cancels replays,
   * stops and redrives executions (one, or in bulk), backtests rules and fires a schedule rule now; changes no rule.
   */
  operator: [
    'GET /events',
    'GET /events/*',
    'GET /correlations/*',
    'GET /executions',
    'GET /executions/*',
    'POST /executions/*/stop',
    'POST /executions/*/redrive',
    'POST /executions/actions',
    'GET /executions/actions/*',
    'DELETE /executions/actions/*',
    'POST /replays',
    'GET /replays/*',
    'DELETE /replays/*',
    'GET /rules',
    'GET /rules/*',
    'GET /rules/*/history',
    'POST /rules/test',
    'POST /rules/*/trigger',
  ],
  /** Manages the managed rules: every `/rules` route, and nothing of events, executions or replays. */
  'rules-admin': ['GET /rules', 'GET /rules/*', 'PUT /rules/*', 'PATCH /rules/*', 'DELETE /rules/*', 'GET /rules/*/history', 'POST /rules/test', 'POST /rules/*/trigger'],
  /**
   * Reads events with their encrypted fields opened (lib/sensitive-reads.ts): the `/sensitive` reads and nothing else —
   * an operator's `GET /events/*` does not reach them, and a caller needing both is given both roles.
   */
  'sensitive-reader': ['GET /sensitive/events', 'GET /sensitive/events/*', 'GET /sensitive/correlations/*'],
};

/**
 * The execute-api ARNs of a role's routes on one stage of an API, e.g. `arn:aws:execute-api:eu-west-1:123456789012:a1b2c3/v1/PUT/rules/*`.
 * @example apiRoleArns('rules-admin', api.arnForExecuteApi('*', '/', 'v1').replace(/\/\*\/$/, ''))
 */
export function apiRoleArns(role: ApiRole, stageArn: string): string[] {
  return API_ROLE_ROUTES[role].map((route) => {
    const [method, path] = route.split(' ') as [string, string];
    return `${stageArn}/${method}${path}`;
  });
}

/**
 * The policy statement granting a role its routes on the API's stage `v1`, to attach to a principal's policy.
 * @example role.addToPolicy(apiRoleStatement('operator', stack.ingestion.api))
 */
export function apiRoleStatement(role: ApiRole, api: { arnForExecuteApi(method?: string, path?: string, stage?: string): string }, stage = 'v1'): iam.PolicyStatement {
  const resources = API_ROLE_ROUTES[role].map((route) => {
    const [method, path] = route.split(' ') as [string, string];
    return api.arnForExecuteApi(method, path, stage);
  });
  return new iam.PolicyStatement({ sid: `Edwe${role.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase())}`, actions: ['execute-api:Invoke'], resources });
}
