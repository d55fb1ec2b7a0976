/**
 * The guard's first connection cannot hang the pool (issue 16, item 4): its budget query is bounded by
 * pool.connectTimeoutMs, and the callers waiting behind it count in stats().waiting and honour acquireTimeoutMs.
 *
 * The fault: test/support/tcp-proxy.ts makes the first connection go silent as it sends the budget query (a network
 * partition: no answer, no close). It cannot be caused for real on a loopback server, so the proxy injects it.
 */
import { describe, expect, it, vi } from 'vitest'
import { sql } from 'kysely'
import { ConnectError, defineDb, PoolTimeoutError } from '../src/index.js'
import { useProxiedDatabase } from './support/proxied-db.js'

for (const kind of ['postgres', 'mysql'] as const) {
  describe(`a first connection stalled in the budget query [${kind}]`, () => {
    const target = useProxiedDatabase(kind, 'budget gate')

    it('fails within connectTimeoutMs; the caller behind it is counted as waiting and gets PoolTimeoutError', async () => {
      target.proxy.silenceWhen('max_connections') // the fault: the budget query gets no answer
      try {
        const db = defineDb({ url: target.url, pool: { max: 2, connectTimeoutMs: 1_000, acquireTimeoutMs: 500 }, guard: { budget: 'warn' } })
        const first = sql`SELECT 1`.execute(db.kysely).catch((e: unknown) => e)
        const second = sql`SELECT 1`.execute(db.kysely).catch((e: unknown) => e)
        await vi.waitFor(() => expect(db.stats().waiting).toBe(1), { timeout: 5_000, interval: 5 })
        expect(await second).toBeInstanceOf(PoolTimeoutError)
        const err = await first
        expect(err).toBeInstanceOf(ConnectError)
        expect((err as Error).message).toMatch(/did not answer the connection budget query \(guard\.budget\) within 1000 ms/)
        expect(db.stats()).toMatchObject({ total: 0, busy: 0, waiting: 0 })
        // Once the network is back, the pool works: the budget is read on a new first connection.
        target.proxy.silenceWhen(undefined)
        expect((await sql<{ n: number }>`SELECT 2 AS n`.execute(db.kysely)).rows.map((r) => Number(r.n))).toEqual([2])
        await db.dispose()
      } finally {
        target.proxy.silenceWhen(undefined)
      }
    })
  })
}
