/**
 * Inside db.beginTestTransaction(), scopes behave as in production: a throwing scope rolls back to its savepoint and
 * the test goes on; afterCommit hooks run when the scope releases its savepoint (afterRollback when it rolls back);
 * 'requiresNew' becomes a savepoint with a one-time warning; a failing db.kysely statement undoes only itself.
 */
import { expect, it } from 'vitest'
import { sql } from 'kysely'
import { describeTargets } from './support/targets.js'

describeTargets(
  'test transaction savepoints',
  (t) => {
    const tags = async (db: ReturnType<typeof t.db>) =>
      (await sql<{ tag: string }>`SELECT tag FROM things ORDER BY id`.execute(db.kysely)).rows.map((r) => r.tag)

    it('a throwing scope rolls back to its savepoint; the test transaction goes on', async () => {
      await t.exec('CREATE TABLE IF NOT EXISTS things (id int PRIMARY KEY, tag varchar(20))')
      const db = t.db()
      const tx = await db.beginTestTransaction()
      try {
        await db.scope((s) => sql`INSERT INTO things (id, tag) VALUES (1, 'kept')`.execute(s))
        await expect(
          db.scope(async (s) => {
            await sql`INSERT INTO things (id, tag) VALUES (2, 'undone')`.execute(s)
            throw new Error('boom')
          }),
        ).rejects.toThrow('boom')
        // A failing statement (duplicate key) through db.kysely undoes only itself.
        await expect(sql`INSERT INTO things (id, tag) VALUES (1, 'dup')`.execute(db.kysely)).rejects.toThrow()
        await db.scope((s) => sql`INSERT INTO things (id, tag) VALUES (3, 'later')`.execute(s))
        expect(await tags(db)).toEqual(['kept', 'later'])
      } finally {
        await tx.rollback()
      }
      expect(await tags(db)).toEqual([])
    })

    it('afterCommit runs when the scope releases its savepoint, afterRollback when it rolls back; before the scope resolves', async () => {
      await t.exec('CREATE TABLE IF NOT EXISTS things (id int PRIMARY KEY, tag varchar(20))')
      const db = t.db()
      const events: string[] = []
      const tx = await db.beginTestTransaction()
      try {
        await db.scope(async (s) => {
          s.afterCommit(() => void events.push('outer committed'))
          await db.scope(async (inner) => {
            inner.afterCommit(() => void events.push('inner committed'))
            await sql`INSERT INTO things (id, tag) VALUES (10, 'h')`.execute(inner)
          })
          expect(events).toEqual([]) // not yet: the outer scope has not committed
        })
        expect(events).toEqual(['outer committed', 'inner committed']) // registration order, as in production
        await db
          .scope(async (s) => {
            s.afterCommit(() => void events.push('never'))
            s.afterRollback(() => void events.push('rolled back'))
            throw new Error('x')
          })
          .catch(() => undefined)
        expect(events).toEqual(['outer committed', 'inner committed', 'rolled back'])
        // A hook may start a scope of its own: it joins the test transaction too.
        await db.scope(async (s) => {
          s.afterCommit(() => db.scope((h) => sql`INSERT INTO things (id, tag) VALUES (11, 'from hook')`.execute(h)))
        })
        expect(await tags(db)).toEqual(['h', 'from hook'])
      } finally {
        await tx.rollback()
      }
    })

    it("'requiresNew' becomes a savepoint inside the test transaction, with one warning", async () => {
      await t.exec('CREATE TABLE IF NOT EXISTS things (id int PRIMARY KEY, tag varchar(20))')
      const warnings: string[] = []
      const db = t.db({ pool: { max: 1 }, logger: { warn: (m) => warnings.push(m) } })
      const tx = await db.beginTestTransaction()
      try {
        for (const id of [20, 21]) {
          await db.scope(async (outer) => {
            await sql`INSERT INTO things (id, tag) VALUES (${id}, 'outer')`.execute(outer)
            await db.scope((inner) => sql`INSERT INTO things (id, tag) VALUES (${id + 100}, 'independent')`.execute(inner), { propagation: 'requiresNew' })
          })
        }
        await db.scope((s) => sql`SELECT 1`.execute(s), { propagation: 'requiresNew' })
        expect(await tags(db)).toEqual(['outer', 'outer', 'independent', 'independent'])
        expect(warnings.filter((w) => w.includes("'requiresNew'"))).toHaveLength(1)
      } finally {
        await tx.rollback()
      }
      expect(await tags(db)).toEqual([])
    })
  },
  ['postgres', 'mysql', 'pglite'], // pgbouncer: refused there (test-transaction-refusals.test.ts)
)
