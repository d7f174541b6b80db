import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The AWS tier needs moto server and has its own config (vitest.aws.config.ts, `npm run test:aws`).
    exclude: [...configDefaults.exclude, 'test/aws/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // CI has 2 cores: two workers keep the CDK and end-to-end suites from starving each other.
    maxWorkers: 2,
  },
});
