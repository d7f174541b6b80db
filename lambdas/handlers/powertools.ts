/** The shared Powertools utilities, for the handlers that import them from here (they live in lambdas/aws/wiring/powertools.ts). */
export * from '../aws/wiring/powertools.js';
