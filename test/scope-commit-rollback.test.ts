import { expect, it } from 'vitest'
import { sql } from 'kysely'
import { describeTargets } from './support/targets.js'
import { freshItemsPerTest, type ItemsDB } from './support/items.js'

type DB = ItemsDB

describeTargets('db.scope commits and rolls back', (t) => {
  freshItemsPerTest(t)

  it('commits on success and returns the callback value', async () => {
    const db = t.db<DB>()
    const out = await db.scope(async (tx) => {
      await tx.insertInto('items').values({ id: 1, label: 'one' }).execute()
      return 'done'
    })
    expect(out).toBe('done')
    const rows = await db.kysely.selectFrom('items').selectAll().execute()
    expect(rows).toEqual([{ id: 1, label: 'one' }])
    expect(db.stats().busy).toBe(0)
  })

  it('rolls back on a throw and rethrows the original error', async () => {
    await t.exec("INSERT INTO items (id, label) VALUES (1, 'committed before')")
    const db = t.db<DB>()
    const boom = new Error('boom')
    await expect(
      db.scope(async (tx) => {
        await tx.insertInto('items').values({ id: 2, label: 'two' }).execute()
        throw boom
      }),
    ).rejects.toBe(boom)
    const ids = await db.kysely.selectFrom('items').select('id').execute()
    expect(ids.map((r) => r.id)).toEqual([1])
    expect(db.stats().busy).toBe(0)
  })

  it('runs raw sql on tx inside the transaction', async () => {
    await t.exec("INSERT INTO items (id, label) VALUES (1, 'committed before')")
    const db = t.db<DB>()
    await expect(
      db.scope(async (tx) => {
        await sql`INSERT INTO items (id, label) VALUES (3, 'three')`.execute(tx)
        const r = await sql<{ n: number | string }>`SELECT count(*) AS n FROM items`.execute(tx)
        expect(Number(r.rows[0]!.n)).toBe(2)
        throw new Error('undo')
      }),
    ).rejects.toThrow('undo')
    expect((await db.kysely.selectFrom('items').select('id').execute()).length).toBe(1)
  })

  it('takes no connection for a scope that runs no query', async () => {
    const db = t.db<DB>()
    await db.dispose()
    const fresh = t.db<DB>()
    await fresh.scope(async () => 42)
    expect(fresh.stats().total).toBe(0)
  })
})
