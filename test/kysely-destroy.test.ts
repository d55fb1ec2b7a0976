/**
 * destroy() on db.kysely is db.dispose(); on a Kysely derived from it (withPlugin, withSchema, withTables,
 * withoutPlugins) or on db.replica it only warns, since that Kysely shares the process-wide pool with every other
 * module (issue 18, item 3).
 */
import { expect, it } from 'vitest'
import { CamelCasePlugin, sql } from 'kysely'
import { defineDb, EngineDisposedError } from '../src/index.js'
import { registry } from '../src/engine/registry.js'
import { describeTargets } from './support/targets.js'

const one = async (k: { selectNoFrom: never } | any) => Number((await sql<{ n: number }>`SELECT 1 AS n`.execute(k)).rows[0]!.n)

describeTargets('destroy() through db.kysely', (t) => {
  it('on a derived Kysely or db.replica: a warning, and every module keeps its db', async () => {
    const warnings: string[] = []
    const db = t.db({ logger: { warn: (m) => warnings.push(m) } })
    await one(db.kysely)
    const schema = t.kind === 'mysql' ? new URL(t.url).pathname.slice(1) : 'public'
    const derived = [
      db.kysely.withPlugin(new CamelCasePlugin()),
      db.kysely.withSchema(schema),
      db.kysely.withTables<{ other: { id: number } }>(),
      db.kysely.withoutPlugins(),
      db.replica,
      db.replica.withSchema(schema),
    ]
    for (const k of derived) await k.destroy()
    expect(warnings).toHaveLength(derived.length)
    for (const w of warnings) expect(w).toMatch(/does nothing: it shares this process's pool.*Call db\.dispose\(\)/)
    // The db, and the db another module defined for the same URL, both still work.
    const sameUrl = t.name === 'pglite' ? db : defineDb({ url: t.url, ...(t.name === 'pgbouncer' ? { pooler: 'pgbouncer' as const } : {}), logger: { warn: () => undefined } })
    expect(await one(db.kysely)).toBe(1)
    expect(await one(sameUrl.kysely)).toBe(1)
    expect(await db.scope((tx) => one(tx))).toBe(1)
    for (const k of derived) expect(await one(k)).toBe(1)
  })

  it('on db.kysely: the same as db.dispose(); defineDb() again gets a fresh pool', async () => {
    const db = t.db()
    await one(db.kysely)
    const engine = [...registry().values()].find((e) => e.kysely === db.kysely)
    expect(engine).toBeDefined()
    await db.kysely.destroy()
    expect(engine!.disposed).toBe(true)
    expect([...registry().values()]).not.toContain(engine)
    // After dispose the getter still answers; what runs on it rejects (never a synchronous throw).
    await expect(one(db.kysely)).rejects.toBeInstanceOf(EngineDisposedError)
    await expect(db.scope((tx) => one(tx))).rejects.toBeInstanceOf(EngineDisposedError)
    const again = t.db({ applicationName: 'dbscope-again' })
    expect(await one(again.kysely)).toBe(1)
  })

  it.runIf(t.name === 'postgres' || t.name === 'mysql')('on db.kysely: the replicas are disposed too, as db.dispose() does', async () => {
    // A second URL for the same database stands in for a replica: what matters here is its engine's lifetime.
    const replicaUrl = `${t.url}?connect_timeout=10`
    const db = t.db({ replicas: [replicaUrl] })
    expect(await one(db.replica)).toBe(1)
    const replica = [...registry().values()].find((e) => e.config.url === replicaUrl)
    expect(replica?.disposed).toBe(false)
    await db.kysely.destroy()
    expect(replica!.disposed).toBe(true)
  })
})
