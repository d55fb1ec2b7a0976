import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startThrowawayMariadb, startThrowawayPostgres, type ThrowawayServer } from './support/throwaway-server.js'
import { lastJson, runFixture } from './support/child.js'

// A type-only import: erased at run time, so the fixture's cluster code does not run here.
import type { FairShareReport } from './fixtures/cluster-fair-share.js'

// Private servers with max_connections 100: the shared ones must keep their limits. PostgreSQL reserves 3 for
// superusers, MariaDB none; guard.reserve keeps 3 more. Nothing else connects while the workers run.
const SERVERS = [
  ['postgres', () => startThrowawayPostgres({ maxConnections: 100 }), 100 - 3 - 3],
  // performance_schema off (MariaDB's default): no connect attributes to tell this application's connections by.
  ['mysql', () => startThrowawayMariadb({ maxConnections: 100 }), 100 - 0 - 3],
] as const

for (const [kind, start, budget] of SERVERS) {
  describe(`guard: sibling cluster workers share the budget fairly [${kind}, max_connections 100]`, () => {
    let server: ThrowawayServer
    beforeAll(async () => {
      server = await start()
    }, 120_000)
    afterAll(() => server?.stop())

    it('4 workers started one after another (pool.max 40, clamp) get equal shares: within the budget, using ≥ 90 % of it', async () => {
      const r = await runFixture('test/fixtures/cluster-fair-share.ts', [server.url], { timeoutMs: 240_000 })
      expect(r.code, r.stderr).toBe(0)
      const reports = lastJson<FairShareReport[]>(r.stdout)
      expect(reports.map((w) => w.order)).toEqual([0, 1, 2, 3])
      for (const w of reports) expect(w.errors).toEqual([])
      const peaks = reports.map((w) => w.peak)
      const sum = peaks.reduce((a, b) => a + b, 0)
      expect(sum, `pools ${peaks.join(' + ')}`).toBeLessThanOrEqual(budget)
      expect(sum, `pools ${peaks.join(' + ')} of ${budget}`).toBeGreaterThanOrEqual(0.9 * budget)
      // The same share whatever the start order: the first worker measured an idle server, the last a full one.
      expect(Math.max(...peaks) - Math.min(...peaks), `pools ${peaks.join(', ')}`).toBeLessThanOrEqual(1)
      for (const w of reports) expect(w.warnings.join('\n')).toMatch(new RegExp(`Clamped pool\\.max to ${w.peak}\\b`))
    }, 300_000)
  })
}
