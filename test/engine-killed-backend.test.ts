import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { sql, type Kysely } from 'kysely'
import { ConnectionLostError, defineDb, disposeAll } from '../src/index.js'
import { createTestDatabase, type TestDatabase } from './support/test-db.js'
import { backendIdSql, eventually, killSession, sleepSql } from './support/server-sessions.js'
import { lastJson, runFixture } from './support/child.js'

const FIXTURE = 'test/fixtures/kill-mid-query.ts'

for (const kind of ['postgres', 'mysql'] as const) {
  describe(`a killed backend [${kind}]`, () => {
    let testDb: TestDatabase
    beforeAll(async () => {
      testDb = await createTestDatabase(kind, 'killed backend')
    })
    afterEach(() => disposeAll())
    afterAll(() => testDb.drop())

    const idOf = async (k: Kysely<any>) =>
      Number((await sql.raw<{ id: number | string }>(backendIdSql(kind)).execute(k)).rows[0]!.id)

    it('killed while idle: evicted from the pool, and the next scope succeeds on a new session', async () => {
      const db = defineDb({ url: testDb.url, pool: { max: 2 } })
      const first = await idOf(db.kysely)
      expect(db.stats()).toMatchObject({ total: 1, idle: 1 })
      await killSession(kind, first)
      expect(await eventually(() => db.stats().total, 0)).toBe(0)
      const next = await db.scope((tx) => idOf(tx))
      expect(next).not.toBe(first)
      expect(db.stats()).toMatchObject({ total: 1, idle: 1, busy: 0 })
    })

    it('killed while in use: the scope fails with ConnectionLostError, the connection is dropped, the next scope succeeds', async () => {
      const db = defineDb({ url: testDb.url, pool: { max: 2 } })
      const err = await db
        .scope(async (tx) => {
          const id = await idOf(tx)
          setTimeout(() => void killSession(kind, id), 200)
          await sql.raw(sleepSql(kind, 5)).execute(tx)
        })
        .then(() => undefined, (e: unknown) => e)
      expect(err).toBeInstanceOf(ConnectionLostError)
      expect((err as ConnectionLostError).code).toBe('CONNECTION_LOST')
      expect((err as ConnectionLostError).retryable).toBe(true)
      expect(db.stats()).toMatchObject({ total: 0, busy: 0 })
      expect(await db.scope(async (tx) => (await sql<{ one: number }>`SELECT 1 AS one`.execute(tx)).rows[0]!.one)).toEqual(expect.anything())
      expect(db.stats()).toMatchObject({ total: 1, busy: 0 })
    })

    for (const mode of ['scope', 'kysely-transaction'] as const) {
      it(`killed mid-query inside ${mode === 'scope' ? 'db.scope()' : 'db.kysely.transaction().execute()'}: the process does not crash`, async () => {
        const r = await runFixture(FIXTURE, [kind, testDb.url, mode])
        expect(r.stderr).not.toMatch(/uncaught|unhandled|Error: Connection terminated/i)
        expect(r.code, `child exited ${r.code}/${r.signal}; stderr:\n${r.stderr}`).toBe(0)
        const out = lastJson<{ outcome: string; after: unknown; stats: { busy: number } }>(r.stdout)
        expect(out.outcome).toBe('CONNECTION_LOST')
        expect(out.after).toBe(1)
        expect(out.stats.busy).toBe(0)
      })
    }

    // node-postgres only: the control shows what pg.Pool does without the engine.
    it.runIf(kind === 'postgres')('control: plain Kysely over pg.Pool crashes the process on the same fault (what the engine prevents)', async () => {
      const r = await runFixture(FIXTURE, [kind, testDb.url, 'bare-kysely-transaction'])
      expect(r.code).not.toBe(0)
      expect(r.stderr).toMatch(/Unhandled 'error' event/)
    })
  })
}
