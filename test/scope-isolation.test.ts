/** isolation and readOnly reach the server, on the scope's transaction only. */
import { expect, it } from 'vitest'
import { sql, type Kysely } from 'kysely'
import { QueryError } from '../src/index.js'
import { describeTargets, type Target } from './support/targets.js'
import { freshItemsPerTest, type ItemsDB } from './support/items.js'

type DB = ItemsDB

async function isolationOf(t: Target, tx: Kysely<DB>): Promise<string> {
  if (t.kind === 'mysql') {
    await tx.selectFrom('items').selectAll().execute()
    // InnoDB refreshes its INFORMATION_SCHEMA transaction tables at most every 100 ms: wait past that cache.
    await new Promise((r) => setTimeout(r, 150))
    const r = await sql<{ l: string }>`SELECT trx_isolation_level AS l FROM information_schema.INNODB_TRX WHERE trx_mysql_thread_id = CONNECTION_ID()`.execute(tx)
    return r.rows[0]!.l.toLowerCase()
  }
  const r = await sql<{ l: string }>`SELECT current_setting('transaction_isolation') AS l`.execute(tx)
  return r.rows[0]!.l.toLowerCase()
}

describeTargets('isolation and readOnly', (t) => {
  freshItemsPerTest(t)

  it('runs the scope at the requested isolation level, and the next scope at the default', async () => {
    const db = t.db<DB>()
    expect(await db.scope((tx) => isolationOf(t, tx), { isolation: 'serializable' })).toBe('serializable')
    expect(await db.scope((tx) => isolationOf(t, tx), { isolation: 'read committed' })).toBe('read committed')
    expect(await db.scope((tx) => isolationOf(t, tx))).toBe(t.kind === 'mysql' ? 'repeatable read' : 'read committed')
  })

  it('a write in a readOnly scope fails on the server and nothing is written; the next scope can write', async () => {
    const db = t.db<DB>()
    const err = await db
      .scope(async (tx) => {
        await tx.selectFrom('items').selectAll().execute()
        await tx.insertInto('items').values({ id: 1, label: 'read only' }).execute()
      }, { readOnly: true })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(QueryError)
    expect((err as QueryError).sqlState).toBe(t.kind === 'mysql' ? '1792' : '25006')
    expect((err as Error).cause).toBeDefined()
    expect(await db.kysely.selectFrom('items').selectAll().execute()).toEqual([])
    await db.scope(async (tx) => {
      await tx.insertInto('items').values({ id: 2, label: 'writable' }).execute()
    })
    expect((await db.kysely.selectFrom('items').select('id').execute()).map((r) => r.id)).toEqual([2])
  })

  it('readOnly with the first statement a write fails too (the settings travel with BEGIN)', async () => {
    const db = t.db<DB>()
    await expect(
      db.scope(async (tx) => {
        await tx.insertInto('items').values({ id: 3, label: 'first statement' }).execute()
      }, { readOnly: true }),
    ).rejects.toBeInstanceOf(QueryError)
    expect(await db.kysely.selectFrom('items').selectAll().execute()).toEqual([])
    expect(db.stats().busy).toBe(0)
  })
})
