import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // CI has 2 cores: two workers keep the CDK and end-to-end suites from starving each other.
    maxWorkers: 2,
  },
});
