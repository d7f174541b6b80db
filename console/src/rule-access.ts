/** Whether this token may change rules: asked of the API once per page load. */
import { ApiError, api } from './api.js';

/** The id no rule is expected to have: the write-scope probe's target. */
const PROBE_ID = 'edwe-console-write-probe';
let writable: Promise<boolean> | undefined;

/**
 * Whether this token may change rules. No route tells a token its scopes (and on AWS the answer is IAM's), so the
 * console asks the one way that changes nothing: a `PATCH` with an empty body, refused as invalid (400) by a caller
 * who may write and as forbidden (403) by one who may not — before the body is read. Asked once per page load.
 */
export function canWriteRules(): Promise<boolean> {
  writable ??= api(`/rules/${PROBE_ID}`, { method: 'PATCH', body: {} }).then(
    () => true,
    (error: unknown) => !(error instanceof ApiError && (error.status === 403 || error.status === 401)),
  );
  return writable;
}
