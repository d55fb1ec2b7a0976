import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { sql } from 'kysely'
import { ConfigError, defineDb, disposeAll, type Db } from '../src/index.js'
import { registry } from '../src/engine/registry.js'
import { createTestDatabase, type TestDatabase } from './support/test-db.js'
import { eventually, sessionsOn } from './support/server-sessions.js'

const evaluations = () => (globalThis as { __dbscopeRegistryFixtureEvaluations?: number }).__dbscopeRegistryFixtureEvaluations ?? 0

/** Registry entries for this database (the key holds user, host, port and database, never the password). */
function enginesFor(url: string): number {
  const database = new URL(url).pathname
  return [...registry().keys()].filter((k) => k.endsWith(database)).length
}

for (const kind of ['postgres', 'mysql'] as const) {
  describe(`engine registry [${kind}]`, () => {
    let testDb: TestDatabase
    beforeAll(async () => {
      testDb = await createTestDatabase(kind, 'registry')
    })
    afterEach(async () => {
      await disposeAll()
      delete process.env.DBSCOPE_FIXTURE_URL
    })
    afterAll(async () => {
      await testDb.drop()
    })

    it('re-evaluating a module that calls defineDb 50 times leaves exactly one pool', async () => {
      process.env.DBSCOPE_FIXTURE_URL = testDb.url
      const before = evaluations()
      const handles: Db<any>[] = []
      for (let i = 0; i < 50; i++) {
        vi.resetModules() // a fresh module registry: the fixture and all of src/ are evaluated again, as in a hot reload
        const mod = (await import('./fixtures/registry-db.js')) as { db: Db<any> }
        handles.push(mod.db)
      }
      expect(evaluations() - before).toBe(50)
      expect(new Set(handles).size).toBe(50) // 50 distinct handles…
      expect(enginesFor(testDb.url)).toBe(1) // …over one engine
      // Every handle queries at once; one pool of max 3 means at most 3 sessions on the server, not 50.
      await Promise.all(handles.map((h) => sql`SELECT 1 AS one`.execute(h.kysely)))
      expect(handles[0]!.stats().total).toBeLessThanOrEqual(3)
      expect(handles[49]!.stats()).toEqual(handles[0]!.stats())
      expect(await sessionsOn(kind, testDb.url)).toBe(handles[0]!.stats().total)
      expect(await sessionsOn(kind, testDb.url)).toBeLessThanOrEqual(3)
    })

    it('the same URL with different pool options is a ConfigError naming the options', async () => {
      defineDb({ url: testDb.url, pool: { max: 3, acquireTimeoutMs: 1_000 } })
      let caught: unknown
      try {
        defineDb({ url: testDb.url, pool: { max: 5, acquireTimeoutMs: 1_000 } })
      } catch (err) {
        caught = err
      }
      expect(caught).toBeInstanceOf(ConfigError)
      expect((caught as ConfigError).code).toBe('CONFIG')
      expect((caught as Error).message).toContain('pool.max: 3 vs 5')
      expect((caught as Error).message).not.toContain('acquireTimeoutMs')
      expect((caught as Error).message).toMatch(/define the db once/)
      // The same options again are fine and share the engine.
      const a = defineDb({ url: testDb.url, pool: { max: 3, acquireTimeoutMs: 1_000 } })
      const b = defineDb({ url: testDb.url, pool: { max: 3, acquireTimeoutMs: 1_000 } })
      await sql`SELECT 1`.execute(a.kysely)
      expect(b.stats().total).toBe(1)
    })

    it('dispose() closes the pool and unregisters the engine; defineDb then builds a new one', async () => {
      const db = defineDb({ url: testDb.url, pool: { max: 2 } })
      await Promise.all([sql`SELECT 1`.execute(db.kysely), sql`SELECT 2`.execute(db.kysely)])
      expect(await sessionsOn(kind, testDb.url)).toBe(2)
      await db.dispose()
      expect(enginesFor(testDb.url)).toBe(0)
      expect(await eventually(() => sessionsOn(kind, testDb.url), 0)).toBe(0)
      const again = defineDb({ url: testDb.url, pool: { max: 4 } }) // other options are fine now
      await sql`SELECT 1`.execute(again.kysely)
      expect(enginesFor(testDb.url)).toBe(1)
    })

    it('disposeAll() closes every engine of the process', async () => {
      const other = await createTestDatabase(kind, 'registry2')
      try {
        const a = defineDb({ url: testDb.url })
        const b = defineDb({ url: other.url })
        await sql`SELECT 1`.execute(a.kysely)
        await sql`SELECT 1`.execute(b.kysely)
        expect(enginesFor(testDb.url) + enginesFor(other.url)).toBe(2)
        await disposeAll()
        expect(enginesFor(testDb.url) + enginesFor(other.url)).toBe(0)
        expect(await eventually(() => sessionsOn(kind, testDb.url), 0)).toBe(0)
        expect(await eventually(() => sessionsOn(kind, other.url), 0)).toBe(0)
      } finally {
        await other.drop()
      }
    })

    it('await using disposes the db at the end of the block', async () => {
      {
        await using db = defineDb({ url: testDb.url })
        await sql`SELECT 1`.execute(db.kysely)
        expect(await sessionsOn(kind, testDb.url)).toBe(1)
      }
      expect(enginesFor(testDb.url)).toBe(0)
      expect(await eventually(() => sessionsOn(kind, testDb.url), 0)).toBe(0)
    })
  })
}

// An embedded PGlite by URL: a leaked engine here would be a whole PostgreSQL in WASM (hundreds of MB) per reload.
describe('engine registry [pglite://memory]', () => {
  afterEach(async () => {
    await disposeAll()
    delete process.env.DBSCOPE_FIXTURE_URL
  })

  it('re-evaluating the module 50 times starts one embedded database', async () => {
    process.env.DBSCOPE_FIXTURE_URL = 'pglite://memory'
    const handles: Db<any>[] = []
    for (let i = 0; i < 50; i++) {
      vi.resetModules()
      handles.push(((await import('./fixtures/registry-db.js')) as { db: Db<any> }).db)
    }
    expect([...registry().keys()].filter((k) => k.startsWith('pglite:'))).toHaveLength(1)
    await sql`CREATE TABLE marks (n int)`.execute(handles[0]!.kysely)
    await sql`INSERT INTO marks VALUES (1)`.execute(handles[17]!.kysely)
    // One database: what one handle wrote, the last one reads.
    expect((await sql<{ n: number }>`SELECT n FROM marks`.execute(handles[49]!.kysely)).rows).toEqual([{ n: 1 }])
  }, 60_000)
})
