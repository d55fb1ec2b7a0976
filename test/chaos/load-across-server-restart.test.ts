import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startThrowawayMariadb, startThrowawayPostgres, type ThrowawayServer } from '../support/throwaway-server.js'
import { CHAOS_SCOPES, runLedgerLoad, watchProcess } from './support/ledger-load.js'
import { assertLoadHeld } from './support/assert-load.js'

// A full server restart in the middle of the load, on a private server (the shared ones are never restarted).
for (const kind of ['postgres', 'mysql'] as const) {
  describe(`chaos: ledger load across a full server restart [${kind}]`, () => {
    let server: ThrowawayServer
    beforeAll(async () => {
      server = kind === 'postgres' ? await startThrowawayPostgres({ maxConnections: 40 }) : await startThrowawayMariadb({ maxConnections: 40 })
    }, 120_000)
    afterAll(() => server?.stop())

    it(`${Math.ceil(CHAOS_SCOPES / 2)} scopes with one restart: every invariant holds and scopes commit again afterwards`, async () => {
      const watcher = watchProcess()
      try {
        const s = await runLedgerLoad({
          label: `${kind} restart`,
          kind,
          url: server.url,
          directUrl: server.url,
          scopes: Math.ceil(CHAOS_SCOPES / 2),
          restart: () => server.restart(),
        })
        assertLoadHeld(s, watcher.seen)
        expect(s.faults.restarts).toBe(1)
        expect(s.committedAfterRestart, 'scopes commit again after the restart').toBeGreaterThan(0)
        expect((s.byCode['CONNECTION_LOST'] ?? 0) + (s.byCode['CONNECT_FAILED'] ?? 0), 'the restart was felt').toBeGreaterThan(0)
      } finally {
        watcher.stop()
      }
    }, 600_000)
  })
}
