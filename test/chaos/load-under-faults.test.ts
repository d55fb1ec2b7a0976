import { afterAll, beforeAll, describe, it } from 'vitest'
import { expect } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../support/test-db.js'
import { pgbouncerUrlFor } from '../support/servers.js'
import { pgbouncerMissing } from '../support/pgbouncer.js'
import { CHAOS_SCOPES, runLedgerLoad, watchProcess } from './support/ledger-load.js'
import { assertLoadHeld } from './support/assert-load.js'

// N scopes at concurrency 64 on a pool of 8, while random server sessions are killed and the pool is exhausted once.
for (const target of ['postgres', 'mysql', 'pgbouncer'] as const) {
  describe.skipIf(target === 'pgbouncer' && pgbouncerMissing())(`chaos: ledger load under faults [${target}]`, () => {
    let testDb: TestDatabase
    beforeAll(async () => {
      testDb = await createTestDatabase(target === 'mysql' ? 'mysql' : 'postgres', `chaos ${target}`)
    })
    afterAll(() => testDb?.drop())

    it(`${CHAOS_SCOPES} scopes: every invariant holds`, async () => {
      const watcher = watchProcess()
      try {
        const s = await runLedgerLoad({
          label: target,
          kind: target === 'mysql' ? 'mysql' : 'postgres',
          url: target === 'pgbouncer' ? pgbouncerUrlFor(testDb.name) : testDb.url,
          directUrl: testDb.url,
          pooler: target === 'pgbouncer' ? 'pgbouncer' : undefined,
          scopes: CHAOS_SCOPES,
          killEveryMs: 100,
          exhaustPool: true,
          // Behind PgBouncer the server sessions are PgBouncer's: its default_pool_size (scripts/pgbouncer.sh) is the budget.
          budget: target === 'pgbouncer' ? 20 : undefined,
        })
        assertLoadHeld(s, watcher.seen)
        expect(s.faults.kills).toBeGreaterThan(0)
        expect(s.hogErrors, 'no hog scope failed').toEqual([])
        expect(s.hogsHeld, 'the exhaustion held every pooled connection').toBe(8)
        expect(s.byCode['POOL_TIMEOUT'] ?? 0, 'the exhausted pool made waiting scopes time out').toBeGreaterThan(0)
        expect(s.retriedCommits, 'forced serialization failures were retried to a commit').toBeGreaterThan(0)
        expect(s.hookErrors, 'throwing afterCommit hooks reached onHookError').toBeGreaterThan(0)
      } finally {
        watcher.stop()
      }
    }, 600_000)
  })
}
