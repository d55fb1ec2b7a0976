/** The manual form: `await using tx = await db.begin()`; dispose rolls back unless commit() or rollback() ran. */
import { expect, it } from 'vitest'
import { ScopeEndedError } from '../src/index.js'
import { describeTargets } from './support/targets.js'
import { freshItemsPerTest, type ItemsDB } from './support/items.js'

type DB = ItemsDB

describeTargets('db.begin() manual transactions', (t) => {
  freshItemsPerTest(t)

  it('rolls back and releases on dispose when neither commit nor rollback ran', async () => {
    const db = t.db<DB>()
    const hooks: string[] = []
    {
      await using tx = await db.begin()
      await tx.insertInto('items').values({ id: 1, label: 'disposed' }).execute()
      tx.afterRollback(() => hooks.push('rolled back'))
      expect(db.stats().busy).toBe(1)
    }
    expect(hooks).toEqual(['rolled back'])
    expect(db.stats().busy).toBe(0)
    expect(await db.kysely.selectFrom('items').selectAll().execute()).toEqual([])
  })

  it('disposes after a throw inside the block, too', async () => {
    const db = t.db<DB>()
    await expect(
      (async () => {
        await using tx = await db.begin()
        await tx.insertInto('items').values({ id: 2, label: 'thrown' }).execute()
        throw new Error('inside the block')
      })(),
    ).rejects.toThrow('inside the block')
    expect(db.stats().busy).toBe(0)
    expect(await db.kysely.selectFrom('items').selectAll().execute()).toEqual([])
  })

  it('commit() persists, runs afterCommit, and a second commit or a later statement throws ScopeEndedError', async () => {
    const db = t.db<DB>()
    const hooks: string[] = []
    {
      await using tx = await db.begin({ isolation: 'serializable' })
      await tx.insertInto('items').values({ id: 3, label: 'committed' }).execute()
      tx.afterCommit(() => hooks.push('committed'))
      await tx.commit()
      expect(tx.ended).toBe(true)
      await expect(tx.commit()).rejects.toBeInstanceOf(ScopeEndedError)
      await expect(tx.rollback()).rejects.toBeInstanceOf(ScopeEndedError)
      await expect(tx.selectFrom('items').selectAll().execute()).rejects.toBeInstanceOf(ScopeEndedError)
    }
    expect(hooks).toEqual(['committed'])
    expect((await db.kysely.selectFrom('items').select('id').execute()).map((r) => r.id)).toEqual([3])
    expect(db.stats().busy).toBe(0)
  })

  it('rollback() undoes the work', async () => {
    await t.exec("INSERT INTO items (id, label) VALUES (3, 'committed before')")
    const db = t.db<DB>()
    const tx = await db.begin()
    await tx.insertInto('items').values({ id: 4, label: 'rolled back' }).execute()
    await tx.rollback()
    expect((await db.kysely.selectFrom('items').select('id').execute()).map((r) => r.id)).toEqual([3])
    expect(db.stats().busy).toBe(0)
  })
})
