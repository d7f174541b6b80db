/**
 * Every AWS call each engine function makes at run time, by the function's service name and the
 * environment variable that names the resource — the same variables this directory's wiring builds
 * its clients from. test/infra/access-paths.test.ts evaluates each against the synthesized stack's
 * policies as AWS would; a call added to a function's wiring goes here, or the suite cannot prove it.
 * Data only (no SDK): the suite reads it without loading runtime code. docs/access-paths.md explains.
 */
import type { RuntimeCall } from './runtime-call-kit.js';
import { EVENT_PATH_CALLS } from './runtime-calls-events.js';
import { EXECUTION_PATH_CALLS } from './runtime-calls-executions.js';

/** Function service name (POWERTOOLS_SERVICE_NAME, or `edwe-task:<file>` for a built-in task) → its calls. */
export const RUNTIME_CALLS: Readonly<Record<string, readonly RuntimeCall[]>> = { ...EVENT_PATH_CALLS, ...EXECUTION_PATH_CALLS };
