import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sql } from 'kysely'
import { ConnectionLostError, defineDb, disposeAll } from '../src/index.js'
import { createTestDatabase, type TestDatabase } from './support/test-db.js'
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.js'

for (const kind of ['postgres', 'mysql'] as const) {
  describe(`pool.prePing [${kind}]`, () => {
    let testDb: TestDatabase
    let proxy: TcpProxy
    let url: string
    beforeAll(async () => {
      testDb = await createTestDatabase(kind, 'pre ping')
      const u = new URL(testDb.url)
      proxy = await startTcpProxy(u.hostname, Number(u.port))
      u.port = String(proxy.port)
      url = u.toString()
    })
    afterAll(async () => {
      await disposeAll()
      await proxy.close()
      await testDb.drop()
    })

    // The network drops the idle connection, and the query is issued before the client has read the close: the
    // pool cannot know yet that the connection is dead. Only a ping can tell.
    const severThenQuery = async (prePing: boolean) => {
      const db = defineDb({ url, pool: { max: 1, prePing } })
      await sql`SELECT 1`.execute(db.kysely)
      expect(db.stats()).toMatchObject({ total: 1, idle: 1 })
      proxy.sever()
      const result = await sql<{ one: number }>`SELECT 1 AS one`.execute(db.kysely).then(
        (r) => Number(r.rows[0]!.one),
        (e: unknown) => e,
      )
      await db.dispose()
      return result
    }

    it('without it, the first query after a silent drop fails with ConnectionLostError', async () => {
      const result = await severThenQuery(false)
      expect(result).toBeInstanceOf(ConnectionLostError)
    })

    it('with it, the dead connection is found by the ping, replaced, and the query succeeds', async () => {
      expect(await severThenQuery(true)).toBe(1)
    })
  })
}
