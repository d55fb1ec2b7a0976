/**
 * dispose() finishes when a connection has gone silent (issue 16, item 4): an idle connection's polite close is
 * bounded, then its socket is dropped.
 *
 * The fault: test/support/tcp-proxy.ts makes the idle connection go silent (a network partition: no answer, no
 * close). It cannot be caused for real on a loopback server, so the proxy injects it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sql } from 'kysely'
import { defineDb, disposeAll } from '../src/index.js'
import { createTestDatabase, type TestDatabase } from './support/test-db.js'
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.js'

for (const kind of ['postgres', 'mysql'] as const) {
  describe(`dispose() with a silent idle connection [${kind}]`, () => {
    let testDb: TestDatabase
    let proxy: TcpProxy
    let url: string
    beforeAll(async () => {
      testDb = await createTestDatabase(kind, 'dispose silent')
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

    it('settles, and leaves nothing open', async () => {
      const db = defineDb({ url, pool: { max: 1 }, guard: { budget: 'off' } })
      await sql`SELECT 1`.execute(db.kysely)
      proxy.silence() // the fault
      await db.dispose()
      expect(db.stats()).toMatchObject({ total: 0, idle: 0, busy: 0 })
    })
  })
}
