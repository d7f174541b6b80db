/** The environment readers, for the handlers that import them from here (they live in lambdas/aws/wiring/env.ts). */
export * from '../aws/wiring/env.js';
