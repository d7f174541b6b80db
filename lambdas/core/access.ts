/**
 * Who may publish which event sources: a caller — an IAM principal or an API key — is
 * mapped to the `source` values it may put events under. Pure: the AWS home reads the caller from
 * API Gateway's request context, the embedded engine could map its bearer token to one.
 */
import * as z from './schema.js';
import { EngineError, type ErrorDetail } from './errors.js';

/** The caller may not do this (HTTP 403). Not retryable: the same caller will be refused again. */
export class ForbiddenError extends EngineError {
  readonly code = 'forbidden';
  readonly details: readonly ErrorDetail[];

  constructor(message: string, details: readonly ErrorDetail[] = [], options?: { cause?: unknown }) {
    super(message, options);
    this.details = details;
  }
}

/** A pattern: exact text, or text ending in `*` (a prefix), or `*` alone (anything). */
const Pattern = z.string().check(
  z.minLength(1),
  z.maxLength(2048),
  z.refine((p) => !p.slice(0, -1).includes('*'), { message: 'may hold "*" only at its end' }),
);

/** One caller and the sources it may publish. */
export const AccessCallerSchema = z.strictObject({
  /**
   * An IAM principal ARN (`arn:aws:iam::123456789012:user/alice`, a role ARN — which also matches the
   * role's sessions — or `arn:aws:sts::…:assumed-role/Publisher/*`) or an API key id; `*` at the end is a prefix.
   */
  principal: Pattern,
  /** Event sources it may publish: exact, a prefix ending in `*` (`web-*`), or `*` for any. */
  sources: z.array(Pattern).check(z.minLength(1)),
});

/** The whole policy: callers not listed may publish nothing. */
export const AccessPolicySchema = z.strictObject({ callers: z.array(AccessCallerSchema) });

export type AccessCaller = z.output<typeof AccessCallerSchema>;
export type AccessPolicy = z.output<typeof AccessPolicySchema>;

/** Who is calling, as far as the policy can tell: every identity the request carries (IAM ARN, API key id). */
export interface Caller {
  readonly principals: readonly string[];
}

const matches = (pattern: string, value: string): boolean => (pattern.endsWith('*') ? value.startsWith(pattern.slice(0, -1)) : pattern === value);

// arn:<partition>:iam::<account>:role/<path/>name → the sessions of that role: arn:<partition>:sts::<account>:assumed-role/<name>/<session>
const ROLE_ARN = /^arn:([^:]+):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/;

/** Whether a policy principal names this request identity (a role ARN also names its sessions). */
export function principalMatches(pattern: string, identity: string): boolean {
  if (matches(pattern, identity)) return true;
  const role = ROLE_ARN.exec(pattern);
  return role !== null && identity.startsWith(`arn:${role[1]}:sts::${role[2]}:assumed-role/${role[3]}/`);
}

/** What a compiled policy answers. */
export interface SourceAccess {
  /** The source patterns this caller may publish (empty: nothing). */
  sourcesOf(caller: Caller): readonly string[];
  /** @throws ForbiddenError naming the source when the caller may not publish it. */
  checkPublish(caller: Caller, source: string): void;
}

/** Everyone who got past the API's authorisation may publish any source: the default without a policy. */
export const OPEN_ACCESS: SourceAccess = { sourcesOf: () => ['*'], checkPublish: () => undefined };

/**
 * @example compileAccessPolicy({ callers: [{ principal: 'arn:aws:iam::123456789012:role/Shop', sources: ['shop.*'] }] }).checkPublish(caller, 'crm')
 */
export function compileAccessPolicy(policy: AccessPolicy): SourceAccess {
  const sourcesOf = (caller: Caller): string[] =>
    policy.callers.filter((entry) => caller.principals.some((identity) => principalMatches(entry.principal, identity))).flatMap((entry) => entry.sources);
  return {
    sourcesOf,
    checkPublish(caller, source) {
      if (sourcesOf(caller).some((pattern) => matches(pattern, source))) return;
      const who = caller.principals.length > 0 ? caller.principals.join(' / ') : 'an unidentified caller';
      throw new ForbiddenError(`${who} may not publish events with source "${source}"`, [{ path: 'source', message: 'not a source this caller may publish' }]);
    },
  };
}

/**
 * The policy from its JSON text (as the deployment hands it to a function), checked.
 * @throws Error naming the problem, e.g. `callers.0.sources: must hold at least one source`.
 */
export function parseAccessPolicy(value: unknown): AccessPolicy {
  const result = AccessPolicySchema.safeParse(value);
  if (result.success) return result.data;
  throw new Error(`Invalid access policy: ${result.error.issues.map((i) => `${i.path.map(String).join('.') || '(policy)'}: ${i.message}`).join('; ')}`);
}
