/**
 * The schema library for task functions: zod's tree-shakable `zod/mini` with English messages (see
 * lambdas/core/schema.ts). Import it as a namespace, `import * as z from '…/lambdas/tasks/schema.js'`,
 * and a task's bundle keeps only what it calls; the full `zod` adds about 450 KB to it.
 */
export * from '../core/schema.js';
