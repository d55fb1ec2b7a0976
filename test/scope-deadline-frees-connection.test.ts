/**
 * A scope's deadline frees its connection even when the connection goes silent (issue 16, item 4): the ROLLBACK is
 * sent with a bound, and past the deadline plus its grace the connection is destroyed and released, so a pool of
 * one is usable again; afterRollback hooks run, and the error says only what happened.
 *
 * The fault: test/support/tcp-proxy.ts makes the open connection go silent (a network partition: no answer, no
 * close). It cannot be caused for real on a loopback server, so the proxy injects it.
 */
import { describe, expect, it, vi } from 'vitest'
import { sql } from 'kysely'
import { defineDb, ScopeTimeoutError } from '../src/index.js'
import { useProxiedDatabase } from './support/proxied-db.js'

/** Generous: the bound is the deadline plus about 2 s of grace; this only says "it settled". */
const SETTLED_WITHIN_MS = 15_000

for (const kind of ['postgres', 'mysql'] as const) {
  describe(`a timed-out scope on a silent connection [${kind}]`, () => {
    const target = useProxiedDatabase(kind, 'deadline frees')

    it('rejects with ScopeTimeoutError, runs afterRollback, releases the connection, and the pool of one works again', async () => {
      const db = defineDb({ url: target.url, pool: { max: 1 }, guard: { budget: 'off' } })
      let rolledBack!: () => void
      const hookRan = new Promise<void>((r) => (rolledBack = r))
      const err = await db
        .scope(
          async (tx) => {
            tx.afterRollback(() => rolledBack())
            await sql`SELECT 1`.execute(tx)
            target.proxy.silence() // the fault: from now on this connection gets no answer
            await sql`SELECT 2`.execute(tx)
          },
          { timeoutMs: 300 },
        )
        .catch((e: unknown) => e)
      expect(err).toBeInstanceOf(ScopeTimeoutError)
      // It says what happened, not a cancel or rollback that may never have reached the server.
      expect((err as Error).message).toMatch(/exceeded its timeoutMs of 300 ms and was ended: nothing in it was committed/)
      expect((err as Error).message).not.toMatch(/cancelled|rolled back/)
      await hookRan
      await vi.waitFor(() => expect(db.stats().busy).toBe(0), { timeout: SETTLED_WITHIN_MS, interval: 50 })
      // The only connection was destroyed and released: the next scope gets a fresh one.
      expect(await db.scope(async (tx) => (await sql<{ n: number }>`SELECT 3 AS n`.execute(tx)).rows[0]!.n)).toBe(3)
      await db.dispose()
    })
  })
}
