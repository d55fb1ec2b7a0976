/** Lazy scopes: no query, no connection and no round trip; a nested scope with no query sends no SAVEPOINT. */
import { expect, it } from 'vitest'
import { sql } from 'kysely'
import { describeTargets } from './support/targets.js'
import { openSessions } from './support/sessions.js'

describeTargets('db.scope is lazy', (t) => {
  it('takes no connection and opens no session for a scope that runs no query', async () => {
    const app = `lazy_${Math.random().toString(36).slice(2, 8)}`
    const db = t.db({ applicationName: app })
    const hooks: string[] = []
    const out = await db.scope(async (tx) => {
      tx.afterCommit(() => hooks.push('commit'))
      await db.scope(async () => 'nested, no query')
      return 42
    })
    expect(out).toBe(42)
    expect(hooks).toEqual(['commit'])
    expect(db.stats()).toMatchObject({ total: 0, busy: 0 })
    if (t.kind === 'postgres') expect(await openSessions(t, app)).toBe(0)
    await expect(db.scope(async () => Promise.reject(new Error('no query, thrown')))).rejects.toThrow('no query, thrown')
    expect(db.stats().total).toBe(0)
    await db.dispose()
  })

  it('a manual transaction with no query commits without a connection', async () => {
    // A db of its own: a shared one may hold an idle connection from a test that ran before this one.
    const db = t.db({ applicationName: `lazy_${Math.random().toString(36).slice(2, 8)}` })
    expect(db.stats().total).toBe(0)
    const tx = await db.begin()
    await tx.commit()
    expect(db.stats().total).toBe(0)
    await db.dispose()
  })

  // MySQL counts savepoints per session (Com_savepoint); PostgreSQL and PGlite keep no such counter, and the code path is shared.
  it.runIf(t.kind === 'mysql')('sends no SAVEPOINT for a nested scope that runs no query, and one for a scope that does', async () => {
    const db = t.db()
    const count = async (tx: Parameters<Parameters<typeof db.scope>[0]>[0]) => {
      const r = await sql<{ Value: string }>`SHOW SESSION STATUS LIKE 'Com_savepoint'`.execute(tx)
      return Number(r.rows[0]!.Value)
    }
    await db.scope(async (tx) => {
      const before = await count(tx)
      await db.scope(async () => undefined)
      await db.scope(async () => {
        await db.scope(async () => undefined)
      })
      expect(await count(tx)).toBe(before)
      await db.scope(async (inner) => {
        await sql`SELECT 1`.execute(inner)
      })
      expect(await count(tx)).toBe(before + 1)
    })
  })
})
