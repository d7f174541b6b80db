import { defineConfig } from 'vitest/config';

/**
 * The AWS tier (`npm run test:aws`): the real handlers against moto server, a local AWS started once
 * for the run (test/aws/support/global-setup.ts). Not part of `npm test`: it needs Python's
 * moto[server] (see the README's "AWS tier").
 */
export default defineConfig({
  test: {
    include: ['test/aws/**/*.test.ts'],
    globalSetup: ['test/aws/support/global-setup.ts'],
    setupFiles: ['test/aws/support/setup.ts'],
    // One moto server, reset before each file: files take turns.
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
