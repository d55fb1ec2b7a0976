import { defineConfig } from 'vitest/config'

/**
 * The reliability suite at full size: `npm run test:chaos` (10,000 scopes per load). `npm test` runs the same files
 * through vitest.config.ts with the default CHAOS_SCOPES of 1,000, so CI always runs a bounded version.
 */
export default defineConfig({
  test: {
    include: ['test/chaos/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts', 'test/chaos/support/summary-teardown.ts'],
    env: { CHAOS_SCOPES: process.env.CHAOS_SCOPES ?? '10000' },
    pool: 'forks',
    maxWorkers: 1,
    testTimeout: 900_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
  },
})
