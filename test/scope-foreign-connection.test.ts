/** The foreign-connection guard: db.kysely inside an active scope warns or throws, by guard.foreignQuery. */
import { expect, it } from 'vitest'
import { ForeignConnectionError } from '../src/index.js'
import { describeTargets } from './support/targets.js'
import { freshItemsPerTest, type ItemsDB } from './support/items.js'

type DB = ItemsDB

describeTargets('foreign-connection guard', (t) => {
  freshItemsPerTest(t)

  it("'throw' refuses db.kysely inside a scope, but not outside it or in its hooks", async () => {
    const db = t.db<DB>({ guard: { foreignQuery: 'throw' }, pool: { max: 2 } })
    let inHook: unknown
    await db.scope(async (tx) => {
      await tx.selectFrom('items').selectAll().execute()
      const err = await db.kysely.selectFrom('items').selectAll().execute().catch((e: unknown) => e)
      expect(err).toBeInstanceOf(ForeignConnectionError)
      expect((err as ForeignConnectionError).code).toBe('FOREIGN_CONNECTION')
      expect((err as Error).message).toMatch(/Use the scope's `tx` instead/)
      tx.afterCommit(async () => {
        inHook = await db.kysely.selectFrom('items').selectAll().execute()
      })
    })
    expect(inHook).toEqual([])
    expect(await db.kysely.selectFrom('items').selectAll().execute()).toEqual([])
    expect(db.stats().busy).toBe(0)
  })

  it("'warn' logs with a stack and lets the query run; 'off' stays quiet", async () => {
    const warnings: string[] = []
    const db = t.db<DB>({ guard: { foreignQuery: 'warn' }, pool: { max: 2 }, logger: { warn: (m) => warnings.push(m) } })
    await db.scope(async (tx) => {
      await tx.selectFrom('items').selectAll().execute()
      // PGlite has one session, so the query must not wait for the scope's: the empty-table check runs outside.
      if (t.name !== 'pglite') expect(await db.kysely.selectFrom('items').selectAll().execute()).toEqual([])
      else expect(() => db.kysely.selectFrom('items').selectAll().compile()).not.toThrow()
    })
    if (t.name !== 'pglite') {
      expect(warnings.filter((w) => w.includes('db.kysely while a db.scope()')).length).toBe(1)
      expect(warnings[0]).toMatch(/foreign-connection\.test\.ts/)
    }
    const quiet: string[] = []
    const off = t.db<DB>({ guard: { foreignQuery: 'off' }, pool: { max: 2 }, logger: { warn: (m) => quiet.push(m) } })
    await off.scope(async (tx) => {
      await tx.selectFrom('items').selectAll().execute()
      if (t.name !== 'pglite') await off.kysely.selectFrom('items').selectAll().execute()
    })
    expect(quiet).toEqual([])
  })
})
