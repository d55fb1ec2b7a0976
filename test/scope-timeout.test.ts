/**
 * timeoutMs: at the deadline the running statement is cancelled on the server, the work rolls back and the promise
 * rejects — at the deadline, not when the callback returns.
 */
import { expect, it } from 'vitest'
import { ScopeEndedError, ScopeTimeoutError } from '../src/index.js'
import { describeTargets } from './support/targets.js'
import { eventually, idleInTransaction, runningStatements, sleepStatement } from './support/sessions.js'
import { freshItemsPerTest, type ItemsDB } from './support/items.js'

type DB = ItemsDB

const DEADLINE = 300
/** Generous for a shared 2-core machine; a scope that waited for the callback would take seconds. */
const SLACK = 400

describeTargets('db.scope timeoutMs', (t) => {
  freshItemsPerTest(t)

  // PGlite runs a statement on the main thread: pg_sleep blocks the event loop, so nothing can fire until it ends.
  it.skipIf(t.name === 'pglite')('cancels the running statement on the server and rejects at the deadline', async () => {
    const db = t.db<DB>()
    const warnings: string[] = []
    const onWarning = (w: Error) => void warnings.push(`${w.name}: ${w.message}`)
    process.on('warning', onWarning)
    const started = Date.now()
    const err = await db
      .scope(async (tx) => {
        await tx.insertInto('items').values({ id: 1, label: 'undone' }).execute()
        await sleepStatement(t, 5).execute(tx)
        return 'finished'
      }, { timeoutMs: DEADLINE })
      .catch((e: unknown) => e)
    const elapsed = Date.now() - started
    expect(err).toBeInstanceOf(ScopeTimeoutError)
    expect((err as ScopeTimeoutError).code).toBe('SCOPE_TIMEOUT')
    expect(elapsed).toBeGreaterThanOrEqual(DEADLINE - 5)
    expect(elapsed).toBeLessThan(DEADLINE + SLACK)
    // The sleep is gone from the server well before its 5 s would be up.
    expect(await eventually(async () => (await runningStatements(t, '%SLEEP(%')) + (await runningStatements(t, '%pg_sleep(%')) === 0, 1_500)).toBe(true)
    expect(await db.kysely.selectFrom('items').selectAll().execute()).toEqual([])
    expect(await eventually(async () => db.stats().busy === 0)).toBe(true)
    expect(await idleInTransaction(t)).toBe(0)
    process.off('warning', onWarning)
    // The cancel goes through no deprecated driver API (pg's Client.cancel reads the deprecated activeQuery).
    expect(warnings.filter((w) => w.startsWith('DeprecationWarning'))).toEqual([])
  })

  it('rejects at the deadline while the callback is busy elsewhere, and its tx is dead afterwards', async () => {
    const db = t.db<DB>()
    let late: unknown
    let lateScope: unknown
    let release!: () => void
    const callbackDone = new Promise<void>((r) => (release = r))
    const started = Date.now()
    const err = await db
      .scope(async (tx) => {
        await tx.insertInto('items').values({ id: 2, label: 'undone' }).execute()
        await new Promise((r) => setTimeout(r, 1_000))
        late = await tx.insertInto('items').values({ id: 3, label: 'too late' }).execute().catch((e: unknown) => e)
        // A helper that opens its own scope must not escape into a fresh transaction either.
        lateScope = await db.scope((inner) => inner.insertInto('items').values({ id: 4, label: 'escaped' }).execute()).catch((e: unknown) => e)
        release()
      }, { timeoutMs: DEADLINE })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ScopeTimeoutError)
    expect(Date.now() - started).toBeLessThan(DEADLINE + SLACK)
    await callbackDone
    expect(late).toBeInstanceOf(ScopeEndedError)
    expect(lateScope).toBeInstanceOf(ScopeEndedError)
    expect(await db.kysely.selectFrom('items').selectAll().execute()).toEqual([])
    expect(db.stats().busy).toBe(0)
    expect(await idleInTransaction(t)).toBe(0)
  })

  it.skipIf(t.name === 'pglite')('times out while waiting for a connection and does not leak it later', async () => {
    const db = t.db<DB>({ pool: { max: 1 } })
    let unblock!: () => void
    const holder = db.scope(async (tx) => {
      await tx.selectFrom('items').selectAll().execute()
      await new Promise<void>((r) => (unblock = r))
    })
    await eventually(async () => db.stats().busy === 1)
    const started = Date.now()
    await expect(db.scope(async (tx) => tx.selectFrom('items').selectAll().execute(), { timeoutMs: 200 })).rejects.toBeInstanceOf(ScopeTimeoutError)
    expect(Date.now() - started).toBeLessThan(200 + SLACK)
    unblock()
    await holder
    expect(await eventually(async () => db.stats().busy === 0 && db.stats().waiting === 0)).toBe(true)
    expect(await db.scope(async (tx) => (await tx.selectFrom('items').selectAll().execute()).length)).toBe(0)
  })

  it.skipIf(t.name === 'pglite')('a nested scope timeout rolls back only its savepoint; the outer scope goes on and commits', async () => {
    const db = t.db<DB>()
    await db.scope(async (tx) => {
      await tx.insertInto('items').values({ id: 10, label: 'outer before' }).execute()
      const started = Date.now()
      await expect(
        db.scope(async (inner) => {
          await inner.insertInto('items').values({ id: 11, label: 'inner' }).execute()
          await sleepStatement(t, 5).execute(inner)
        }, { timeoutMs: DEADLINE }),
      ).rejects.toBeInstanceOf(ScopeTimeoutError)
      expect(Date.now() - started).toBeLessThan(DEADLINE + SLACK)
      await tx.insertInto('items').values({ id: 12, label: 'outer after' }).execute()
    })
    const ids = (await db.kysely.selectFrom('items').select('id').where('id', '>=', 10).orderBy('id').execute()).map((r) => r.id)
    expect(ids).toEqual([10, 12])
    expect(db.stats().busy).toBe(0)
    expect(await runningStatements(t, '%sleep(%')).toBe(0)
  })

  it('a scope that finishes in time commits normally', async () => {
    const db = t.db<DB>()
    await db.scope(async (tx) => {
      await tx.insertInto('items').values({ id: 20, label: 'in time' }).execute()
    }, { timeoutMs: 5_000 })
    expect(await db.kysely.selectFrom('items').select('id').where('id', '=', 20).execute()).toEqual([{ id: 20 }])
  })
})
