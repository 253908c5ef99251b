import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'e2e/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two cores here: more workers only make argon2-heavy suites contend.
    maxWorkers: 2,
    reporters: ['default'],
    globalSetup: ['test/helpers/global-setup.ts'],
  },
});
