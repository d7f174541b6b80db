import { defineConfig } from 'vitest/config';

/**
 * The browser tier (`npm run test:browser`): the web console driven in a real Chromium (playwright-core,
 * Chromium from the distribution at /usr/bin/chromium or $CHROMIUM) against `edwe dev` on a free port.
 * Not part of `npm test`: it needs the browser. Screenshots land in test-artifacts/console/.
 */
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 90_000,
  },
});
