/** Nesting through AsyncLocalStorage: savepoints on the same connection, partial rollback, propagation modes. */
import { expect, it } from 'vitest'
import { sql } from 'kysely'
import { ConfigError, TransactionAbortedError, type Db } from '../src/index.js'
import { describeTargets } from './support/targets.js'
import { sessionId } from './support/sessions.js'
import { freshItemsPerTest, type ItemsDB } from './support/items.js'

type DB = ItemsDB

async function ids(db: Db<DB>): Promise<number[]> {
  return (await db.kysely.selectFrom('items').select('id').orderBy('id').execute()).map((r) => r.id)
}

/** A helper that never sees `tx`: it finds the active scope through AsyncLocalStorage. */
function insertItem(db: Db<DB>, id: number, fail = false): Promise<void> {
  return db.scope(async (tx) => {
    await tx.insertInto('items').values({ id, label: `item ${id}` }).execute()
    if (fail) throw new Error(`inner ${id} failed`)
  })
}

describeTargets('nested scopes become savepoints', (t) => {
  freshItemsPerTest(t)

  it('runs a nested scope on the same session and rolls back only its savepoint', async () => {
    const db = t.db<DB>()
    await db.scope(async (tx) => {
      const outer = await sessionId(t, tx)
      await tx.insertInto('items').values({ id: 1, label: 'outer' }).execute()
      await db.scope(async (inner) => {
        expect(await sessionId(t, inner)).toBe(outer)
      })
      await expect(insertItem(db, 2, true)).rejects.toThrow('inner 2 failed')
      await insertItem(db, 3)
      const seen = (await tx.selectFrom('items').select('id').orderBy('id').execute()).map((r) => r.id)
      expect(seen).toEqual([1, 3])
    })
    expect(await ids(db)).toEqual([1, 3])
  })

  it('never takes a second connection: nested scopes with pool max 1 do not deadlock', async () => {
    const db = t.db<DB>({ pool: { max: 1, acquireTimeoutMs: 1_000 } })
    await db.scope(async () => {
      await insertItem(db, 1)
      await db.scope(async () => {
        await insertItem(db, 2)
        await db.scope(async () => {
          await insertItem(db, 3, true).catch(() => undefined)
          await insertItem(db, 4)
        })
      })
      expect(db.stats()).toMatchObject({ total: 1, busy: 1, waiting: 0 })
    })
    expect(await ids(db)).toEqual([1, 2, 4])
    expect(db.stats().busy).toBe(0)
    await db.dispose()
  })

  it('an outer rollback undoes committed savepoints too', async () => {
    const db = t.db<DB>()
    await expect(
      db.scope(async () => {
        await insertItem(db, 1)
        throw new Error('outer fails')
      }),
    ).rejects.toThrow('outer fails')
    expect(await ids(db)).toEqual([])
  })

  it('runs sibling nested scopes started together one after another, each with its own savepoint', async () => {
    const db = t.db<DB>()
    await db.scope(async () => {
      const results = await Promise.allSettled([insertItem(db, 1), insertItem(db, 2, true), insertItem(db, 3)])
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    })
    expect(await ids(db)).toEqual([1, 3])
  })

  it("'required' joins the enclosing transaction; a throw in it makes the whole scope roll back", async () => {
    const db = t.db<DB>()
    await db.scope(async (tx) => {
      const outer = await sessionId(t, tx)
      await db.scope(async (inner) => {
        expect(await sessionId(t, inner)).toBe(outer)
        await inner.insertInto('items').values({ id: 1, label: 'joined' }).execute()
      }, { propagation: 'required' })
    })
    expect(await ids(db)).toEqual([1])
    const err = await db
      .scope(async (tx) => {
        await tx.insertInto('items').values({ id: 2, label: 'x' }).execute()
        await db.scope(async () => {
          throw new Error('required inner failed')
        }, { propagation: 'required' }).catch(() => 'swallowed')
        return 'returned normally'
      })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(TransactionAbortedError)
    expect((err as TransactionAbortedError).code).toBe('TRANSACTION_ABORTED')
    expect(((err as Error).cause as Error).message).toBe('required inner failed')
    expect(await ids(db)).toEqual([1])
  })

  it.skipIf(t.name === 'pglite')("'requiresNew' runs on its own connection and commits independently", async () => {
    // PGlite has a single session: a second transaction would wait for the first forever.
    const db = t.db<DB>()
    await expect(
      db.scope(async (tx) => {
        const outer = await sessionId(t, tx)
        await tx.insertInto('items').values({ id: 1, label: 'outer' }).execute()
        await db.scope(async (own) => {
          expect(await sessionId(t, own)).not.toBe(outer)
          await own.insertInto('items').values({ id: 2, label: 'independent' }).execute()
        }, { propagation: 'requiresNew' })
        throw new Error('outer fails after requiresNew committed')
      }),
    ).rejects.toThrow('outer fails')
    expect(await ids(db)).toEqual([2])
  })

  it("refuses 'requiresNew' when the pool's only connection is held by the enclosing scope", async () => {
    const db = t.db<DB>({ pool: { max: 1 } })
    await db.scope(async (tx) => {
      await tx.selectFrom('items').selectAll().execute()
      await expect(db.scope(async () => 1, { propagation: 'requiresNew' })).rejects.toBeInstanceOf(ConfigError)
    })
    expect(db.stats().busy).toBe(0)
  })

  it('refuses isolation or readOnly on a nested scope', async () => {
    const db = t.db<DB>()
    await db.scope(async () => {
      await expect(db.scope(async () => 1, { readOnly: true })).rejects.toBeInstanceOf(ConfigError)
      await expect(db.scope(async () => 1, { isolation: 'serializable' })).rejects.toBeInstanceOf(ConfigError)
    })
  })

  it('a statement error caught inside a nested scope is contained by its savepoint', async () => {
    const db = t.db<DB>()
    await db.scope(async (tx) => {
      await tx.insertInto('items').values({ id: 1, label: 'a' }).execute()
      await expect(
        db.scope(async (inner) => {
          await inner.insertInto('items').values({ id: 1, label: 'duplicate' }).execute()
        }),
      ).rejects.toMatchObject({ code: 'UNIQUE_VIOLATION' })
      await sql`INSERT INTO items (id, label) VALUES (2, 'after')`.execute(tx)
    })
    expect(await ids(db)).toEqual([1, 2])
  })
})
