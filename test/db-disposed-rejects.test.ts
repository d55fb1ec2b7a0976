/**
 * After dispose(), every entry returns a rejected promise (or a stream that rejects), never a synchronous throw that
 * `.catch()` cannot see (issue 16, item 4).
 */
import { expect, it } from 'vitest'
import { sql } from 'kysely'
import { EngineDisposedError } from '../src/index.js'
import { describeTargets } from './support/targets.js'

/** What `f` does: throws at once, or settles (rejects) later. */
async function outcome(f: () => unknown): Promise<{ sync: unknown } | { rejected: unknown } | { resolved: unknown }> {
  let p: unknown
  try {
    p = f()
  } catch (err) {
    return { sync: err }
  }
  if (p && typeof (p as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
    try {
      for await (const _ of p as AsyncIterable<unknown>) void _
      return { resolved: 'stream' }
    } catch (err) {
      return { rejected: err }
    }
  }
  return Promise.resolve(p).then((v) => ({ resolved: v }), (err: unknown) => ({ rejected: err }))
}

describeTargets(
  'entries after dispose()',
  (t) => {
    it('each rejects with EngineDisposedError, none throws synchronously', async () => {
      const db = t.db<any>()
      await sql`SELECT 1`.execute(db.kysely)
      await db.dispose()
      const entries: Record<string, () => unknown> = {
        scope: () => db.scope(async () => 1),
        'scope readOnly': () => db.scope(async () => 1, { readOnly: true }),
        begin: () => db.begin(),
        'kysely execute': () => db.kysely.selectFrom('x').selectAll().execute(),
        'kysely sql': () => sql`SELECT 1`.execute(db.kysely),
        'kysely stream': () => db.kysely.selectFrom('x').selectAll().stream(),
        'kysely transaction': () => db.kysely.transaction().execute(async () => 1),
        'kysely connection': () => db.kysely.connection().execute(async () => 1),
        replica: () => db.replica.selectFrom('x').selectAll().execute(),
      }
      for (const [name, entry] of Object.entries(entries)) {
        const o = await outcome(entry)
        expect(o, name).toHaveProperty('rejected')
        expect((o as { rejected: unknown }).rejected, name).toBeInstanceOf(EngineDisposedError)
      }
    })
  },
  // The entries are the db layer's, the same on every dialect: one server and the embedded one are enough.
  ['postgres', 'pglite'],
)
