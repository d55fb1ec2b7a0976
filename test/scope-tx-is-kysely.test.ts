/** `tx` is a full Kysely Transaction: raw sql, the query builders, withSchema/withPlugin/withTables keep the hooks. */
import { expect, it } from 'vitest'
import { CamelCasePlugin, Transaction, sql } from 'kysely'
import { ConfigError } from '../src/index.js'
import { describeTargets } from './support/targets.js'
import { freshItemsPerTest, type ItemsDB } from './support/items.js'

type DB = ItemsDB

describeTargets('tx is a Kysely transaction', (t) => {
  freshItemsPerTest(t)

  it('is a Transaction and runs raw sql and builders on the same transaction', async () => {
    const db = t.db<DB>()
    await expect(
      db.scope(async (tx) => {
        expect(tx).toBeInstanceOf(Transaction)
        expect(tx.isTransaction).toBe(true)
        await sql`INSERT INTO items (id, label) VALUES (1, 'raw')`.execute(tx)
        await tx.insertInto('items').values({ id: 2, label: 'built' }).execute()
        const n = await tx.selectFrom('items').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()
        expect(Number(n.n)).toBe(2)
        throw new Error('undo both')
      }),
    ).rejects.toThrow('undo both')
    expect(await db.kysely.selectFrom('items').selectAll().execute()).toEqual([])
  })

  it('keeps afterCommit and the transaction through withSchema, withPlugin, withoutPlugins and withTables', async () => {
    const db = t.db<DB>()
    const schema = t.kind === 'mysql' ? new URL(t.url).pathname.slice(1) : 'public'
    const ran: string[] = []
    await db.scope(async (tx) => {
      const s = tx.withSchema(schema)
      await s.insertInto('items').values({ id: 10, label: 'schema' }).execute()
      s.afterCommit(() => ran.push('schema'))
      const p = tx.withPlugin(new CamelCasePlugin()).withSchema(schema)
      p.afterCommit(() => ran.push('plugin'))
      const row = await p.selectFrom('items').select('label').where('id', '=', 10).executeTakeFirstOrThrow()
      expect(row.label).toBe('schema')
      tx.withoutPlugins().afterCommit(() => ran.push('without'))
      const wt = tx.withTables<{ extra: { id: number } }>()
      wt.afterCommit(() => ran.push('tables'))
      await wt.insertInto('items').values({ id: 11, label: 'tables' }).execute()
    })
    expect(ran).toEqual(['schema', 'plugin', 'without', 'tables'])
    const ids = (await db.kysely.selectFrom('items').select('id').orderBy('id').execute()).map((r) => r.id)
    expect(ids).toEqual([10, 11])
  })

  it('streams rows inside the transaction, even as the first statement', async () => {
    await t.exec("INSERT INTO items (id, label) VALUES (10, 'schema'), (11, 'tables')")
    const db = t.db<DB>()
    const labels: string[] = []
    await expect(
      db.scope(async (tx) => {
        for await (const row of tx.selectFrom('items').select('label').orderBy('id').stream()) labels.push(row.label)
        await tx.insertInto('items').values({ id: 12, label: 'streamed' }).execute()
        for await (const row of tx.selectFrom('items').select('label').where('id', '=', 12).stream()) labels.push(row.label)
        throw new Error('undo')
      }),
    ).rejects.toThrow('undo')
    expect(labels).toEqual(['schema', 'tables', 'streamed'])
    expect((await db.kysely.selectFrom('items').select('id').orderBy('id').execute()).map((r) => r.id)).toEqual([10, 11])
    expect(db.stats().busy).toBe(0)
  })

  it('refuses to start a transaction inside a scope, pointing to a nested scope', async () => {
    const db = t.db<DB>()
    await db.scope(async (tx) => {
      expect(() => tx.startTransaction()).toThrow(ConfigError)
      expect(() => tx.transaction()).toThrow()
    })
    expect(db.stats().busy).toBe(0)
  })
})
