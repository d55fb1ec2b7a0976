import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sql, type Kysely } from 'kysely'
import { defineDb, disposeAll } from '../src/index.js'
import { startThrowawayMariadb, startThrowawayPostgres, type ThrowawayServer } from './support/throwaway-server.js'
import { backendIdSql, eventually } from './support/server-sessions.js'

// A private server per dialect: restarting the shared ones would break other test runs.
for (const kind of ['postgres', 'mysql'] as const) {
  describe(`after a server restart [${kind}]`, () => {
    let server: ThrowawayServer
    beforeAll(async () => {
      server = kind === 'postgres' ? await startThrowawayPostgres() : await startThrowawayMariadb()
    }, 120_000)
    afterAll(async () => {
      await disposeAll()
      await server?.stop()
    })

    const idOf = async (k: Kysely<any>) => Number((await sql.raw<{ id: number | string }>(backendIdSql(kind)).execute(k)).rows[0]!.id)

    it('the engine serves again without a process restart; the first scope after it succeeds', async () => {
      const db = defineDb({ url: server.url, pool: { max: 3 } })
      await Promise.all([1, 2, 3].map(() => db.scope((tx) => idOf(tx))))
      expect(db.stats()).toMatchObject({ total: 3, idle: 3 })
      await server.restart()
      // The old sessions died with the server: the pool notices their sockets closing and drops them.
      expect(await eventually(() => db.stats().total, 0)).toBe(0)
      const id = await db.scope((tx) => idOf(tx))
      expect(id).toBeGreaterThan(0)
      expect((await sql<{ one: number }>`SELECT 1 AS one`.execute(db.kysely)).rows[0]!.one).toEqual(expect.anything())
      expect(db.stats()).toMatchObject({ busy: 0, waiting: 0 })
    }, 60_000)

    it('a scope in flight during the restart fails as retryable, and the next one succeeds', async () => {
      const db = defineDb({ url: server.url, pool: { max: 3 } })
      const inFlight = db.scope((tx) => sql.raw(kind === 'postgres' ? 'SELECT pg_sleep(5)' : 'SELECT SLEEP(5)').execute(tx)).then(
        () => undefined,
        (e: unknown) => e as { code?: string; retryable?: boolean },
      )
      await new Promise((r) => setTimeout(r, 300))
      await server.restart()
      const err = await inFlight
      expect(err?.retryable).toBe(true)
      expect(['CONNECTION_LOST', 'CONNECT_FAILED']).toContain(err?.code)
      expect(await db.scope((tx) => idOf(tx))).toBeGreaterThan(0)
    }, 60_000)
  })
}
