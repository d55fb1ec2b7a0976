/**
 * The first statement of a scope travels with BEGIN in one round trip; its rows must still come back (a SELECT's
 * rows, an INSERT … RETURNING's row), and its errors must still reject.
 */
import { beforeEach, expect, it } from 'vitest'
import { describeTargets } from './support/targets.js'

interface DB {
  notes: { id: number; body: string }
}

describeTargets('the first statement in a scope returns its result', (t) => {
  beforeEach(() =>
    t.exec("DROP TABLE IF EXISTS notes; CREATE TABLE notes (id int PRIMARY KEY, body varchar(50) NOT NULL); INSERT INTO notes VALUES (1, 'a'), (2, 'b')"),
  )

  it('returns the rows of a SELECT that is the first statement', async () => {
    const db = t.db<DB>()
    const rows = await db.scope((tx) => tx.selectFrom('notes').selectAll().orderBy('id').execute())
    expect(rows).toEqual([
      { id: 1, body: 'a' },
      { id: 2, body: 'b' },
    ])
  })

  // Kysely's MySQL adapter does not support RETURNING (it would return an InsertResult, not the row); the SELECT
  // case above covers the first statement's rows on MariaDB.
  it.skipIf(t.kind === 'mysql')('returns the row of an INSERT … RETURNING that is the first statement', async () => {
    const db = t.db<DB>()
    const row = await db.scope((tx) => tx.insertInto('notes').values({ id: 3, body: 'c' }).returning(['id', 'body']).executeTakeFirstOrThrow())
    expect(row).toEqual({ id: 3, body: 'c' })
  })

  it('rejects when the first statement fails, and the pool is left clean', async () => {
    const db = t.db<DB>()
    await expect(db.scope((tx) => tx.insertInto('notes').values({ id: 1, body: 'dup' }).execute())).rejects.toMatchObject({ code: 'UNIQUE_VIOLATION' })
    expect(db.stats().busy).toBe(0)
    expect(await db.kysely.selectFrom('notes').select('id').orderBy('id').execute()).toEqual([{ id: 1 }, { id: 2 }])
  })
})
