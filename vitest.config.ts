import { defineConfig } from 'vitest/config'

/** Test config: real servers, one database per file, a fail-fast reachability check before anything runs. */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts', 'test/chaos/support/summary-teardown.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    // Starting PGlite (one per file, in a beforeAll) took 50 s on a 2-core machine shared with other runs.
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
  },
})
