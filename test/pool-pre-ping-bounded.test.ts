/**
 * pool.prePing has a time limit, and acquireTimeoutMs covers it (issue 16, item 4): a ping on a silent idle
 * connection gives up, the connection is destroyed, and the acquire goes on with a new one, or fails with
 * PoolTimeoutError when its own time is up. No leak warning reports a nonsense checkout duration meanwhile.
 *
 * The fault: test/support/tcp-proxy.ts makes the idle connection go silent (a network partition: no answer, no
 * close). It cannot be caused for real on a loopback server, so the proxy injects it.
 */
import { describe, expect, it } from 'vitest'
import { sql } from 'kysely'
import { defineDb, PoolTimeoutError } from '../src/index.js'
import { useProxiedDatabase } from './support/proxied-db.js'

for (const kind of ['postgres', 'mysql'] as const) {
  describe(`pool.prePing on a silent connection [${kind}]`, () => {
    const target = useProxiedDatabase(kind, 'pre ping bounded')

    /** A db whose one idle connection has gone silent, and the warnings it logs. */
    const silentIdle = async (acquireTimeoutMs: number) => {
      const warnings: string[] = []
      const logger = { warn: (m: string) => void warnings.push(m) }
      const db = defineDb({ url: target.url, pool: { max: 1, prePing: true, acquireTimeoutMs, leakWarnMs: 50 }, guard: { budget: 'off' }, logger })
      await sql`SELECT 1`.execute(db.kysely)
      expect(db.stats()).toMatchObject({ total: 1, idle: 1 })
      target.proxy.silence() // the fault
      return { db, warnings }
    }

    it('the ping gives up, the silent connection is replaced, and the query succeeds', async () => {
      const { db, warnings } = await silentIdle(30_000)
      const r = await sql<{ one: number }>`SELECT 1 AS one`.execute(db.kysely)
      expect(Number(r.rows[0]!.one)).toBe(1)
      expect(db.stats()).toMatchObject({ total: 1, busy: 0 })
      for (const w of warnings) {
        const held = /checked out for (\d+) ms/.exec(w)
        if (held) expect(Number(held[1])).toBeLessThan(60_000)
      }
      await db.dispose()
    })

    it('an acquireTimeoutMs shorter than the ping limit ends the acquire with PoolTimeoutError', async () => {
      const { db } = await silentIdle(300)
      const err = await sql`SELECT 1`.execute(db.kysely).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(PoolTimeoutError)
      expect(db.stats()).toMatchObject({ busy: 0, waiting: 0 })
      await db.dispose()
    })
  })
}
