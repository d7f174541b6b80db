import { defineConfig } from 'vitest/config';

/**
 * The package tier (`npm run test:package`): `npm pack`, the tarball installed into a fresh project,
 * the library and the CLI used from there as a user would. Minutes, not seconds (a build and an
 * install), so not part of `npm test`; `.ci/run` runs it after `npm test`.
 */
export default defineConfig({
  test: {
    include: ['test/package/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 900_000,
  },
});
