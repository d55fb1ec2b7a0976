/** A tx used after its scope ended throws ScopeEndedError and never runs on the pooled connection. */
import { expect, it } from 'vitest'
import { ScopeEndedError, type ScopeTransaction } from '../src/index.js'
import { describeTargets } from './support/targets.js'
import { freshItemsPerTest, type ItemsDB } from './support/items.js'

type DB = ItemsDB

describeTargets('a tx used after its scope ended', (t) => {
  freshItemsPerTest(t)

  it('throws ScopeEndedError and runs nothing, though the connection went back to the pool', async () => {
    const db = t.db<DB>({ pool: { max: 1 } })
    const leaked = await db.scope(async (tx) => {
      await tx.selectFrom('items').selectAll().execute()
      return tx
    })
    expect(db.stats()).toMatchObject({ idle: 1, busy: 0 })
    const err = await leaked.insertInto('items').values({ id: 1, label: 'leaked' }).execute().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ScopeEndedError)
    expect((err as ScopeEndedError).code).toBe('SCOPE_ENDED')
    expect((err as Error).message).toMatch(/only inside its db\.scope\(\) callback/)
    expect(await db.kysely.selectFrom('items').selectAll().execute()).toEqual([])
    expect(db.stats().busy).toBe(0)
  })

  it('a statement left running at the end is answered inside the transaction, and later ones are refused', async () => {
    const db = t.db<DB>()
    let straggler: Promise<unknown> | undefined
    let tx2: ScopeTransaction<DB> | undefined
    await expect(
      db.scope(async (tx) => {
        tx2 = tx
        await tx.selectFrom('items').selectAll().execute()
        straggler = tx.insertInto('items').values({ id: 2, label: 'floating' }).execute()
        throw new Error('end while a statement is in flight')
      }),
    ).rejects.toThrow('in flight')
    await straggler!.catch(() => undefined)
    await expect(tx2!.selectFrom('items').selectAll().execute()).rejects.toBeInstanceOf(ScopeEndedError)
    expect(await db.kysely.selectFrom('items').selectAll().execute()).toEqual([])
    expect(db.stats().busy).toBe(0)
  })

  it('a savepoint tx is dead once its nested scope ended, while the outer one lives on', async () => {
    const db = t.db<DB>()
    await db.scope(async (tx) => {
      const inner = await db.scope(async (sp) => {
        await sp.selectFrom('items').selectAll().execute()
        return sp
      })
      await expect(inner.selectFrom('items').selectAll().execute()).rejects.toBeInstanceOf(ScopeEndedError)
      await tx.insertInto('items').values({ id: 3, label: 'outer' }).execute()
    })
    expect((await db.kysely.selectFrom('items').select('id').execute()).map((r) => r.id)).toEqual([3])
  })
})
