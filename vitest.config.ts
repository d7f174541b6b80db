import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The AWS tier needs moto server, the package tier a build and an install, the browser tier Chromium:
    // each has its own config (vitest.aws.config.ts, vitest.package.config.ts, vitest.browser.config.ts).
    exclude: [...configDefaults.exclude, 'test/aws/**', 'test/package/**', 'test/browser/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // CI has 2 cores: two workers keep the CDK and end-to-end suites from starving each other.
    maxWorkers: 2,
  },
});
