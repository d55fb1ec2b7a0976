/**
 * A hot reload evaluates dbscope's modules again. Scopes opened through the old module version must still be seen
 * by the new one: a scope started through the reloaded module inside an old one is a savepoint on the same
 * connection, and the foreign-query guard still fires.
 */
import { beforeEach, expect, it, vi } from 'vitest'
import { sql } from 'kysely'
import { useTestDatabase, withPg } from './support/test-db.js'

const database = useTestDatabase('postgres', 'hot-reload')

beforeEach(() => withPg((c) => c.query('DROP TABLE IF EXISTS marks; CREATE TABLE marks (id int PRIMARY KEY)'), database.url))

/** Two evaluations of dbscope's index module, as a hot reload leaves them. */
async function twoModuleVersions() {
  const before = await import('../src/index.js')
  vi.resetModules()
  const after = await import('../src/index.js')
  expect(after.defineDb).not.toBe(before.defineDb) // really two module instances
  return { before, after }
}

it('nests a reloaded module’s scope as a savepoint of the old module’s scope', async () => {
  const { before, after } = await twoModuleVersions()
  // Warnings from either version (a foreign query, a leak, a hook error) land here; there must be none.
  const warnings: string[] = []
  const options = { url: database.url, pool: { max: 1, acquireTimeoutMs: 2_000 }, logger: { warn: (m: string) => void warnings.push(m) } }
  const oldDb = before.defineDb<{ marks: { id: number } }>(options)
  const newDb = after.defineDb<{ marks: { id: number } }>(options)
  try {
    await oldDb.scope(async (tx) => {
      await tx.insertInto('marks').values({ id: 1 }).execute()
      // With pool max 1, a second transaction would wait for the pool and time out; a savepoint shares the connection.
      await expect(
        newDb.scope(async (inner) => {
          await inner.insertInto('marks').values({ id: 2 }).execute()
          throw new Error('inner fails')
        }),
      ).rejects.toThrow('inner fails')
    })
    const rows = await sql<{ id: number }>`SELECT id FROM marks ORDER BY id`.execute(newDb.kysely)
    expect(rows.rows.map((r) => r.id)).toEqual([1])
    expect(newDb.stats()).toMatchObject({ total: 1, busy: 0 })
    expect(warnings).toEqual([])
  } finally {
    await newDb.dispose()
    await oldDb.dispose()
  }
})

it('the foreign-query guard sees a scope of the other module version, in both directions', async () => {
  const { before, after } = await twoModuleVersions()
  const options = { url: database.url, pool: { max: 2 }, guard: { foreignQuery: 'throw' as const } }
  const oldDb = before.defineDb<{ marks: { id: number } }>(options)
  const newDb = after.defineDb<{ marks: { id: number } }>(options)
  try {
    await oldDb.scope(async (tx) => {
      await tx.insertInto('marks').values({ id: 1 }).execute()
      await expect(newDb.kysely.selectFrom('marks').selectAll().execute()).rejects.toMatchObject({ code: 'FOREIGN_CONNECTION' })
    })
    await newDb.scope(async (tx) => {
      await tx.insertInto('marks').values({ id: 2 }).execute()
      await expect(oldDb.kysely.selectFrom('marks').selectAll().execute()).rejects.toMatchObject({ code: 'FOREIGN_CONNECTION' })
    })
    // Outside any scope, both versions' db.kysely run; both scopes committed.
    expect((await newDb.kysely.selectFrom('marks').select('id').orderBy('id').execute()).map((r) => r.id)).toEqual([1, 2])
    expect((await oldDb.kysely.selectFrom('marks').select('id').orderBy('id').execute()).map((r) => r.id)).toEqual([1, 2])
  } finally {
    await newDb.dispose()
    await oldDb.dispose()
  }
})
