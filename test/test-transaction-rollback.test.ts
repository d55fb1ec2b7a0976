/**
 * db.beginTestTransaction(): rows written by scopes, db.kysely and db.current while it is open are visible to the test, gone
 * after rollback(), and after it scopes commit normally again. PostgreSQL, MariaDB and PGlite.
 */
import { expect, it } from 'vitest'
import { sql } from 'kysely'
import { describeTargets } from './support/targets.js'

describeTargets(
  'test transaction rollback',
  (t) => {
    const count = async (db: ReturnType<typeof t.db>, tag: string) =>
      Number((await sql<{ n: number }>`SELECT count(*) AS n FROM items WHERE tag = ${tag}`.execute(db.kysely)).rows[0]!.n)

    it('scopes, db.kysely and db.current write inside it; rollback() leaves nothing; then scopes commit normally', async () => {
      await t.exec('CREATE TABLE IF NOT EXISTS items (id int PRIMARY KEY, tag varchar(20))')
      const db = t.db({ pool: { max: 3 } })
      const tx = await db.beginTestTransaction()
      await db.scope((s) => sql`INSERT INTO items (id, tag) VALUES (1, 'rb')`.execute(s))
      await sql`INSERT INTO items (id, tag) VALUES (2, 'rb')`.execute(db.kysely)
      await sql`INSERT INTO items (id, tag) VALUES (4, 'rb')`.execute(db.current) // outside a scope: in the test transaction too
      expect(await count(db, 'rb')).toBe(3)
      await tx.rollback()
      expect(await count(db, 'rb')).toBe(0)
      // Normal again: a scope commits, and another connection sees it.
      await db.scope((s) => sql`INSERT INTO items (id, tag) VALUES (3, 'after')`.execute(s))
      expect(await count(t.db({ pool: { max: 1 }, applicationName: 'other' }), 'after')).toBe(1)
      await t.exec("DELETE FROM items WHERE tag = 'after'")
    })

    it('concurrent scopes (more than pool.max) all run in the one test connection, one after another', async () => {
      await t.exec('CREATE TABLE IF NOT EXISTS items (id int PRIMARY KEY, tag varchar(20))')
      const db = t.db({ pool: { max: 2 } })
      const tx = await db.beginTestTransaction()
      try {
        await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            db.scope(async (s) => {
              await sql`INSERT INTO items (id, tag) VALUES (${100 + i}, 'conc')`.execute(s)
              await db.scope((inner) => sql`UPDATE items SET tag = 'conc' WHERE id = ${100 + i}`.execute(inner))
            }),
          ),
        )
        expect(await count(db, 'conc')).toBe(8)
        expect(db.stats()).toMatchObject({ total: 1 })
      } finally {
        await tx.rollback()
      }
      expect(await count(db, 'conc')).toBe(0)
    })
  },
  ['postgres', 'mysql', 'pglite'], // pgbouncer: refused there (test-transaction-refusals.test.ts)
)
