/**
 * db.current: inside a scope its statements run in the scope's transaction (its savepoint when nested), outside any
 * scope on the pool like db.kysely, never with a foreign-query warning; code that outlived its scope runs on the pool,
 * or gets ScopeEndedError when that scope timed out.
 */
import { expect, it } from 'vitest'
import { CamelCasePlugin } from 'kysely'
import { ConfigError, ScopeEndedError, ScopeTimeoutError } from '../src/index.js'
import { describeTargets } from './support/targets.js'
import { freshItemsPerTest, type ItemsDB } from './support/items.js'

type DB = ItemsDB

/** A promise with its resolve function: a latch for code that must wait for the test to go on. */
function latch(): { promise: Promise<void>; open: () => void } {
  let open!: () => void
  const promise = new Promise<void>((r) => (open = r))
  return { promise, open }
}

describeTargets('db.current', (t) => {
  freshItemsPerTest(t)

  it('inside a scope it runs in the scope transaction: sees its uncommitted rows, and rolls back with it', async () => {
    const db = t.db<DB>({ guard: { foreignQuery: 'throw' }, pool: { max: 2 } })
    const labels = (k = db.current) => k.selectFrom('items').select('label').orderBy('id').execute()
    // A repository function written once, for use in and out of scopes.
    const addItem = (id: number, label: string) => db.current.insertInto('items').values({ id, label }).execute()
    const err = await db
      .scope(async (tx) => {
        await addItem(1, 'first')
        expect(await tx.selectFrom('items').select('label').execute()).toEqual([{ label: 'first' }])
        await tx.insertInto('items').values({ id: 2, label: 'second' }).execute()
        expect(await labels()).toEqual([{ label: 'first' }, { label: 'second' }])
        throw new Error('roll back')
      })
      .catch((e: unknown) => e)
    expect((err as Error).message).toBe('roll back')
    expect(await db.kysely.selectFrom('items').selectAll().execute()).toEqual([])
    await db.scope(async () => {
      await addItem(3, 'kept')
    })
    expect(await labels()).toEqual([{ label: 'kept' }])
    expect(db.stats().busy).toBe(0)
  })

  it('outside any scope it is autocommit on the pool, like db.kysely', async () => {
    const db = t.db<DB>({ pool: { max: 2 } })
    await db.current.insertInto('items').values({ id: 1, label: 'autocommit' }).execute()
    expect(await db.kysely.selectFrom('items').select('label').execute()).toEqual([{ label: 'autocommit' }])
    expect(await db.current.selectFrom('items').select('id').execute()).toEqual([{ id: 1 }])
    expect(db.stats().busy).toBe(0)
  })

  it('in a nested scope it runs in the savepoint: a nested rollback undoes only that work', async () => {
    const db = t.db<DB>({ guard: { foreignQuery: 'throw' } })
    await db.scope(async () => {
      await db.current.insertInto('items').values({ id: 1, label: 'outer' }).execute()
      await db
        .scope(async () => {
          await db.current.insertInto('items').values({ id: 2, label: 'inner' }).execute()
          throw new Error('undo inner')
        })
        .catch(() => undefined)
      await db.current.insertInto('items').values({ id: 3, label: 'outer again' }).execute()
    })
    expect(await db.kysely.selectFrom('items').select('id').orderBy('id').execute()).toEqual([{ id: 1 }, { id: 3 }])
  })

  it('never warns about a foreign query, and keeps plugins and the scope on derived instances', async () => {
    const warnings: string[] = []
    const db = t.db<DB>({ guard: { foreignQuery: 'warn' }, logger: { warn: (m) => warnings.push(m) } })
    await db.scope(async () => {
      await db.current.insertInto('items').values({ id: 1, label: 'x' }).execute()
      const camel = db.current.withPlugin(new CamelCasePlugin())
      expect(await camel.selectFrom('items').select('label').execute()).toEqual([{ label: 'x' }])
      expect(() => db.current.transaction()).toThrow(ConfigError)
    })
    expect(warnings).toEqual([])
  })

  it('code that outlived a committed scope runs on the pool, never in the ended transaction', async () => {
    const db = t.db<DB>({ pool: { max: 2 } })
    const go = latch()
    let late: Promise<unknown> | undefined
    await db.scope(async (tx) => {
      await tx.insertInto('items').values({ id: 1, label: 'in scope' }).execute()
      // A dangling promise: it runs after the scope has committed.
      late = go.promise.then(() => db.current.insertInto('items').values({ id: 2, label: 'late' }).execute())
    })
    go.open()
    await late
    expect(await db.kysely.selectFrom('items').select('id').orderBy('id').execute()).toEqual([{ id: 1 }, { id: 2 }])
    expect(db.stats().busy).toBe(0)
  })

  it('code still running for a scope that timed out gets ScopeEndedError', async () => {
    const db = t.db<DB>({ pool: { max: 2 } })
    const go = latch()
    let late: Promise<unknown> | undefined
    const err = await db
      .scope(
        async () => {
          // Waits for the latch, which opens only once the scope has timed out.
          late = go.promise.then(() => db.current.insertInto('items').values({ id: 1, label: 'late' }).execute())
          await late.catch(() => undefined)
        },
        { timeoutMs: 50 },
      )
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ScopeTimeoutError)
    go.open()
    await expect(late).rejects.toBeInstanceOf(ScopeEndedError)
    expect(await db.kysely.selectFrom('items').selectAll().execute()).toEqual([])
  })
})
