/**
 * retry: real serialization failures and deadlocks from two concurrent scopes; the outermost scope re-runs its
 * callback, nested scopes never retry on their own; backoff with jitter.
 */
import { beforeEach, expect, it } from 'vitest'
import { sql } from 'kysely'
import { DeadlockError, SerializationFailureError, type Db } from '../src/index.js'
import { describeTargets } from './support/targets.js'

interface DB {
  counters: { id: number; n: number }
}

/** Resolves for everyone once `n` callers are waiting; later callers pass straight through. */
function barrier(n: number): () => Promise<void> {
  let waiting = 0
  let open!: () => void
  const opened = new Promise<void>((r) => (open = r))
  return () => {
    if (++waiting === n) open()
    return waiting > n ? Promise.resolve() : opened
  }
}

const fast = { baseMs: 5, maxMs: 40 }

/** Read-then-write of one row from two scopes at once: PostgreSQL reports 40001, InnoDB (serializable) a deadlock. */
function conflictingIncrement(db: Db<DB>, meet: () => Promise<void>, runs: { n: number }, retry?: number) {
  return db.scope(async (tx) => {
    runs.n++
    const row = await tx.selectFrom('counters').select('n').where('id', '=', 1).executeTakeFirstOrThrow()
    await meet()
    await tx.updateTable('counters').set({ n: row.n + 1 }).where('id', '=', 1).execute()
  }, { isolation: 'serializable', ...(retry ? { retry: { attempts: retry, backoff: fast } } : {}) })
}

describeTargets('db.scope retry', (t) => {
  beforeEach(() => t.exec('DROP TABLE IF EXISTS counters; CREATE TABLE counters (id int PRIMARY KEY, n int NOT NULL); INSERT INTO counters (id, n) VALUES (1, 0), (2, 0)'))

  // PGlite has one session: two transactions never overlap, so they cannot conflict.
  it.skipIf(t.name === 'pglite')('without retry, one of two conflicting scopes fails with a typed, retryable error', async () => {
    const db = t.db<DB>({ pool: { max: 4 } })
    const runs = { n: 0 }
    const meet = barrier(2)
    const results = await Promise.allSettled([conflictingIncrement(db, meet, runs), conflictingIncrement(db, meet, runs)])
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
    expect(failed.length).toBe(1)
    const err = failed[0]!.reason as SerializationFailureError | DeadlockError
    if (t.kind === 'postgres') {
      expect(err).toBeInstanceOf(SerializationFailureError)
      expect(err.code).toBe('SERIALIZATION_FAILURE')
      expect((err.cause as { code: string }).code).toBe('40001')
    } else {
      expect(err).toBeInstanceOf(DeadlockError)
      expect(err.code).toBe('DEADLOCK')
      expect((err.cause as { errno: number }).errno).toBe(1213)
    }
    expect(err.retryable).toBe(true)
    expect(err.message).toMatch(/Retry the transaction/)
    expect(Number((await db.kysely.selectFrom('counters').select('n').where('id', '=', 1).executeTakeFirstOrThrow()).n)).toBe(1)
    expect(db.stats().busy).toBe(0)
  })

  it.skipIf(t.name === 'pglite')('with retry, both conflicting scopes commit and the loser re-ran its callback', async () => {
    const db = t.db<DB>({ pool: { max: 4 } })
    const runs = { n: 0 }
    const meet = barrier(2)
    await Promise.all([conflictingIncrement(db, meet, runs, 5), conflictingIncrement(db, meet, runs, 5)])
    expect(runs.n).toBeGreaterThanOrEqual(3)
    expect(Number((await db.kysely.selectFrom('counters').select('n').where('id', '=', 1).executeTakeFirstOrThrow()).n)).toBe(2)
    expect(db.stats().busy).toBe(0)
  })

  it.skipIf(t.name === 'pglite')('retries a real deadlock (rows locked in opposite orders)', async () => {
    const db = t.db<DB>({ pool: { max: 4 } })
    const meet = barrier(2)
    let runs = 0
    const lockBoth = (first: number, second: number) =>
      db.scope(async (tx) => {
        runs++
        await tx.updateTable('counters').set((eb) => ({ n: eb('n', '+', 1) })).where('id', '=', first).execute()
        await meet()
        await tx.updateTable('counters').set((eb) => ({ n: eb('n', '+', 1) })).where('id', '=', second).execute()
      }, { retry: { attempts: 4, backoff: fast } })
    await Promise.all([lockBoth(1, 2), lockBoth(2, 1)])
    expect(runs).toBe(3)
    const rows = await db.kysely.selectFrom('counters').select(['id', 'n']).orderBy('id').execute()
    expect(rows.map((r) => Number(r.n))).toEqual([2, 2])
  })

  it.skipIf(t.name === 'pglite')('only the outermost scope retries: a nested scope with retry re-runs only as part of its outer scope', async () => {
    const db = t.db<DB>({ pool: { max: 4 } })
    const meet = barrier(2)
    let outerRuns = 0
    let innerRuns = 0
    const work = () =>
      db.scope(async (tx) => {
        outerRuns++
        await sql`SELECT 1`.execute(tx)
        await db.scope(async (inner) => {
          innerRuns++
          const row = await inner.selectFrom('counters').select('n').where('id', '=', 1).executeTakeFirstOrThrow()
          await meet()
          await inner.updateTable('counters').set({ n: row.n + 1 }).where('id', '=', 1).execute()
        }, { retry: { attempts: 10, backoff: fast } })
      }, { isolation: 'serializable', retry: { attempts: 5, backoff: fast } })
    await Promise.all([work(), work()])
    expect(innerRuns).toBe(outerRuns)
    expect(outerRuns).toBeGreaterThanOrEqual(3)
    expect(Number((await db.kysely.selectFrom('counters').select('n').where('id', '=', 1).executeTakeFirstOrThrow()).n)).toBe(2)
  })

  it('stops after `attempts`, rethrowing the last error, with jittered exponential backoff in between', async () => {
    const db = t.db<DB>()
    let runs = 0
    const stamps: number[] = []
    const err = await db
      .scope(async () => {
        runs++
        stamps.push(Date.now())
        throw new Error(`attempt ${runs}`)
      }, { retry: { attempts: 4, backoff: { baseMs: 40, maxMs: 80 }, when: (e) => (e as Error).message.startsWith('attempt') } })
      .catch((e: unknown) => e)
    expect(runs).toBe(4)
    expect((err as Error).message).toBe('attempt 4')
    const gaps = stamps.slice(1).map((s, i) => s - stamps[i]!)
    // Waits are uniform in [d/2, d] for d = 40, 80, 80 ms.
    expect(gaps[0]).toBeGreaterThanOrEqual(19)
    expect(gaps[1]).toBeGreaterThanOrEqual(39)
    expect(gaps[2]).toBeGreaterThanOrEqual(39)
    expect(gaps.every((g) => g < 400)).toBe(true)
  })

  it('does not retry errors that are not serialization failures or deadlocks by default', async () => {
    const db = t.db<DB>()
    let runs = 0
    await expect(
      db.scope(async () => {
        runs++
        throw new Error('not retryable')
      }, { retry: 5 }),
    ).rejects.toThrow('not retryable')
    expect(runs).toBe(1)
    await expect(db.scope(async () => 1, { retry: { attempts: 0 } })).rejects.toMatchObject({ code: 'CONFIG' })
  })
})
