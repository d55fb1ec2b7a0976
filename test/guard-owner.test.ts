import { afterEach, expect, it } from 'vitest'
import { sql } from 'kysely'
import { EngineDisposedError, ForeignOwnerError } from '../src/index.js'
import { registry } from '../src/engine/registry.js'
import { describeTargets } from './support/targets.js'

/**
 * A documented fake: another process cannot be handed this engine object (a fork or a worker thread gets its own
 * memory), so the only way to present the engine to a "foreign" owner is to change process.pid for a moment.
 */
async function asForeignProcess<T>(fn: (fakePid: number) => Promise<T>): Promise<T> {
  const real = Object.getOwnPropertyDescriptor(process, 'pid')!
  const fakePid = process.pid + 100_000
  Object.defineProperty(process, 'pid', { ...real, value: fakePid })
  try {
    return await fn(fakePid)
  } finally {
    Object.defineProperty(process, 'pid', real)
  }
}

const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e)

describeTargets('guard: owner stamp', (t) => {
  afterEach(async () => {
    for (const e of registry().values()) await e.dispose()
  })

  it('the owner stamp names the process, the thread and a generation', async () => {
    const db = t.db()
    expect(db.owner.pid).toBe(process.pid)
    expect(typeof db.owner.threadId).toBe('number')
    expect(db.owner.generation).toBeGreaterThan(0)
    expect(Object.isFrozen(db.owner)).toBe(true)
  })

  it('use after dispose() is an EngineDisposedError (default guard.owner: throw)', async () => {
    const db = t.db()
    await sql`SELECT 1`.execute(db.kysely)
    await db.dispose()
    for (const attempt of <Array<() => Promise<unknown>>>[
      () => sql`SELECT 1`.execute(db.kysely),
      () => db.scope(async (tx) => sql`SELECT 1`.execute(tx)),
      () => db.begin(),
    ]) {
      const err = await failure(Promise.resolve().then(attempt))
      expect(err).toBeInstanceOf(EngineDisposedError)
      expect((err as EngineDisposedError).code).toBe('ENGINE_DISPOSED')
      expect((err as Error).message).toMatch(/was disposed\. Call defineDb\(\) again, or set guard\.owner to 'recreate'/)
    }
  })

  it("guard.owner 'recreate': after dispose() the handle transparently gets a new engine of a new generation, shared by every handle", async () => {
    const a = t.db({ guard: { owner: 'recreate' } })
    const b = t.db({ guard: { owner: 'recreate' } })
    await sql`SELECT 1`.execute(a.kysely)
    const before = a.owner.generation
    await a.dispose()
    expect((await sql<{ one: number }>`SELECT 1 AS one`.execute(a.kysely)).rows.length).toBe(1)
    expect(a.owner.generation).toBeGreaterThan(before)
    expect(await b.scope(async (tx) => (await sql<{ one: number }>`SELECT 1 AS one`.execute(tx)).rows.length)).toBe(1)
    expect(b.owner.generation).toBe(a.owner.generation) // one new engine, not one per handle
    expect(a.stats().total).toBe(1)
  })

  it('used from another process it is a ForeignOwnerError naming both processes', async () => {
    const db = t.db()
    await sql`SELECT 1`.execute(db.kysely)
    const ownerPid = db.owner.pid
    // The check runs when the handle is used: a statement through db.kysely rejects.
    const err = await asForeignProcess(() => failure(Promise.resolve().then(() => sql`SELECT 1`.execute(db.kysely))))
    expect(err).toBeInstanceOf(ForeignOwnerError)
    expect((err as ForeignOwnerError).code).toBe('FOREIGN_OWNER')
    expect((err as Error).message).toContain(`belongs to process ${ownerPid}`)
    expect((err as Error).message).toContain(`not process ${ownerPid + 100_000}`)
    expect((err as Error).message).toMatch(/Call defineDb\(\) in each process/)
    const scopeErr = await asForeignProcess(() => failure(Promise.resolve().then(() => db.scope(async (tx) => sql`SELECT 1`.execute(tx)))))
    expect(scopeErr).toBeInstanceOf(ForeignOwnerError)
    // Back home, the engine works as before.
    expect((await sql`SELECT 1 AS one`.execute(db.kysely)).rows.length).toBe(1)
  })

  // Not on PGlite: an embedded instance lives in this process's memory and cannot be reached from another one
  // (and its single session is held by the home engine's idle connection).
  it.skipIf(t.name === 'pglite')("guard.owner 'recreate' from another process builds that process its own engine, never reusing the pool", async () => {
    const db = t.db({ guard: { owner: 'recreate' } })
    await sql`SELECT 1`.execute(db.kysely)
    const home = [...registry().values()].find((e) => e.owner.generation === db.owner.generation)!
    const seen = await asForeignProcess(async (fakePid) => {
      const rows = (await sql<{ one: number }>`SELECT 1 AS one`.execute(db.kysely)).rows
      return { rows: rows.length, pid: db.owner.pid, fakePid, total: db.stats().total }
    })
    expect(seen.rows).toBe(1)
    expect(seen.pid).toBe(seen.fakePid)
    expect(db.owner.generation).not.toBe(home.owner.generation)
    expect(home.stats().total).toBe(1) // the original pool was left alone
    await home.dispose()
  })
})
