/** afterCommit/afterRollback: run after release; a throwing hook changes nothing but reports to onHookError. */
import { expect, it } from 'vitest'
import { ScopeEndedError } from '../src/index.js'
import { describeTargets } from './support/targets.js'
import { idleInTransaction } from './support/sessions.js'
import { freshItemsPerTest, type ItemsDB } from './support/items.js'

type DB = ItemsDB

describeTargets('afterCommit and afterRollback hooks', (t) => {
  freshItemsPerTest(t)

  it('runs afterCommit after the commit and the release; the data is visible to another connection', async () => {
    const db = t.db<DB>()
    const seen: unknown[] = []
    await db.scope(async (tx) => {
      await tx.insertInto('items').values({ id: 1, label: 'a' }).execute()
      tx.afterCommit(async () => {
        seen.push(db.stats().busy)
        seen.push((await db.kysely.selectFrom('items').select('id').execute()).map((r) => r.id))
      })
      tx.afterRollback(() => seen.push('not run'))
    })
    expect(seen).toEqual([0, [1]])
  })

  it('runs afterRollback after a throw, once the connection is back', async () => {
    const db = t.db<DB>()
    const seen: unknown[] = []
    await expect(
      db.scope(async (tx) => {
        await tx.insertInto('items').values({ id: 2, label: 'b' }).execute()
        tx.afterRollback(() => seen.push(['rollback', db.stats().busy]))
        tx.afterCommit(() => seen.push('not run'))
        throw new Error('boom')
      }),
    ).rejects.toThrow('boom')
    expect(seen).toEqual([['rollback', 0]])
  })

  it('a throwing or rejecting hook leaves the commit standing, the pool clean, and goes to onHookError', async () => {
    const reported: unknown[] = []
    const db = t.db<DB>({ onHookError: (e) => reported.push(e) })
    const order: string[] = []
    const out = await db.scope(async (tx) => {
      await tx.insertInto('items').values({ id: 3, label: 'c' }).execute()
      tx.afterCommit(() => {
        order.push('first')
        throw new Error('hook 1')
      })
      tx.afterCommit(async () => {
        order.push('second')
        throw new Error('hook 2')
      })
      tx.afterCommit(() => order.push('third'))
      return 'result'
    })
    expect(out).toBe('result')
    expect(order).toEqual(['first', 'second', 'third'])
    expect(reported.map((e) => (e as Error).message)).toEqual(['hook 1', 'hook 2'])
    expect(db.stats().busy).toBe(0)
    expect(await idleInTransaction(t)).toBe(0)
    expect((await db.kysely.selectFrom('items').select('id').where('id', '=', 3).execute()).length).toBe(1)
    // The engine still works, in and out of scopes.
    expect(await db.scope(async (tx) => (await tx.selectFrom('items').select('id').execute()).map((r) => r.id))).toEqual([3])
  })

  it('without onHookError, a hook error becomes a warning on the logger', async () => {
    const warnings: string[] = []
    const db = t.db<DB>({ logger: { warn: (m) => warnings.push(m) } })
    await db.scope(async (tx) => {
      await tx.selectFrom('items').selectAll().execute()
      tx.afterCommit(() => {
        throw new Error('hook failed loudly')
      })
    })
    expect(warnings.some((w) => w.includes('hook failed loudly') && w.includes('onHookError'))).toBe(true)
  })

  it('savepoint hooks: committed ones wait for the outer commit, rolled-back ones drop afterCommit and run afterRollback', async () => {
    const db = t.db<DB>()
    const seen: string[] = []
    await db.scope(async (tx) => {
      await tx.selectFrom('items').selectAll().execute()
      await db.scope(async (inner) => {
        await inner.selectFrom('items').selectAll().execute()
        inner.afterCommit(() => seen.push('kept savepoint: commit'))
      })
      await db
        .scope(async (inner) => {
          await inner.selectFrom('items').selectAll().execute()
          inner.afterCommit(() => seen.push('rolled-back savepoint: commit'))
          inner.afterRollback(() => seen.push('rolled-back savepoint: rollback'))
          throw new Error('inner')
        })
        .catch(() => undefined)
      expect(seen).toEqual([])
    })
    expect(seen.sort()).toEqual(['kept savepoint: commit', 'rolled-back savepoint: rollback'])
    seen.length = 0
    await expect(
      db.scope(async () => {
        await db.scope(async (inner) => {
          await inner.selectFrom('items').selectAll().execute()
          inner.afterCommit(() => seen.push('savepoint released but outer rolled back'))
          inner.afterRollback(() => seen.push('outer rolled back'))
        })
        throw new Error('outer')
      }),
    ).rejects.toThrow('outer')
    expect(seen).toEqual(['outer rolled back'])
  })

  it('refuses a hook registered after the scope ended', async () => {
    const db = t.db<DB>()
    const leaked = await db.scope(async (tx) => tx)
    expect(() => leaked.afterCommit(() => undefined)).toThrow(ScopeEndedError)
  })
})
