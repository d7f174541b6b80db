/**
 * The path prefix of the revealing reads (`GET /sensitive/events…`): the stack adds the routes under it
 * (lib/sensitive-reads.ts), the adapter serves them (lambdas/aws/http/sensitive-query-http.ts). Free of SDK imports.
 */

/** `GET /sensitive/events…` reveals what `GET /events…` answers sealed. */
export const SENSITIVE_PATH = 'sensitive';
