/**
 * A hot reload evaluates dbscope's modules again. Scopes opened through the old module version must still be seen
 * by the new one: a scope started through the reloaded module inside an old one is a savepoint on the same
 * connection, and the foreign-query guard still fires.
 */
import { expect, it, vi } from 'vitest'
import { sql } from 'kysely'
import { useTestDatabase, withPg } from './support/test-db.js'

const database = useTestDatabase('postgres', 'hot-reload')

it('nests a reloaded module’s scope as a savepoint of the old module’s scope', async () => {
  await withPg((c) => c.query('CREATE TABLE marks (id int PRIMARY KEY)'), database.url)
  const before = await import('../src/index.js')
  vi.resetModules()
  const after = await import('../src/index.js')
  expect(after.defineDb).not.toBe(before.defineDb) // really two module instances

  const options = { url: database.url, pool: { max: 1, acquireTimeoutMs: 2_000 } }
  const oldDb = before.defineDb<{ marks: { id: number } }>(options)
  const newDb = after.defineDb<{ marks: { id: number } }>(options)
  const warnings: string[] = []
  process.on('warning', (w) => warnings.push(w.message))
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
  } finally {
    await newDb.dispose()
    await oldDb.dispose()
  }
})
