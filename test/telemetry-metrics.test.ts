/**
 * Metrics by the database semantic conventions, with the real SDK: one `db.client.operation.duration` point per
 * statement run, the pool's connections by state, its maximum, the requests waiting, the wait time and timeouts,
 * each under `db.client.connection.pool.name` — the URL without its password, or `applicationName`.
 */
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest'
import { defineDb, PoolTimeoutError } from '../src/index.js'
import { points, useOtelSdk } from './support/otel.js'
import { describeTargets } from './support/targets.js'
import { createTestDatabase, type TestDatabase } from './support/test-db.js'

interface DB {
  items: { id: number }
}

const otel = useOtelSdk()

describeTargets(
  'telemetry: metrics',
  (t) => {
    beforeEach(() => t.exec('DROP TABLE IF EXISTS items; CREATE TABLE items (id int PRIMARY KEY)'))

    it('counts one operation per statement, by operation and table', async () => {
      const db = t.db<DB>({ applicationName: `metrics-${t.name}` })
      const before = await otel.collect()
      const countOf = (rm: typeof before, op: string) =>
        points(rm, 'db.client.operation.duration')
          .filter((p) => p.attributes['db.operation.name'] === op && p.attributes['db.collection.name'] === 'items')
          .reduce((n, p) => n + p.value.count, 0)
      await db.scope(async (tx) => {
        for (let i = 1; i <= 3; i++) await tx.insertInto('items').values({ id: i }).execute()
      })
      await db.kysely.selectFrom('items').selectAll().execute()
      await db.kysely.selectFrom('items').selectAll().execute()
      const after = await otel.collect()
      expect(countOf(after, 'INSERT') - countOf(before, 'INSERT')).toBe(3)
      expect(countOf(after, 'SELECT') - countOf(before, 'SELECT')).toBe(2)
      const commits = points(after, 'db.client.operation.duration').filter((p) => p.attributes['db.operation.name'] === 'COMMIT')
      expect(commits.reduce((n, p) => n + p.value.count, 0)).toBeGreaterThanOrEqual(1)
    })

    it('reports the pool: connections by state, max, waiting and the wait time', async () => {
      const name = `pool-${t.name}`
      const db = t.db<DB>({ applicationName: name, pool: { max: 2 } })
      await db.kysely.selectFrom('items').selectAll().execute()
      let release!: () => void
      const held = new Promise<void>((r) => (release = r))
      let entered!: () => void
      const inside = new Promise<void>((r) => (entered = r))
      const scope = db.scope(async (tx) => {
        await tx.selectFrom('items').selectAll().execute()
        entered()
        await held
      })
      await inside
      const rm = await otel.collect()
      const mine = (metric: string) => points(rm, metric).filter((p) => p.attributes['db.client.connection.pool.name'] === name)
      const used = mine('db.client.connection.count').find((p) => p.attributes['db.client.connection.state'] === 'used')
      expect(used?.value).toBe(1)
      expect(mine('db.client.connection.count').find((p) => p.attributes['db.client.connection.state'] === 'idle')).toBeDefined()
      expect(mine('db.client.connection.max')[0]?.value).toBe(t.kind === 'pglite' ? 1 : 2)
      expect(mine('db.client.connection.pending_requests')[0]?.value).toBe(0)
      expect(mine('db.client.connection.wait_time')[0]?.value.count).toBeGreaterThanOrEqual(2)
      release()
      await scope
    })
  },
  ['postgres', 'mysql', 'pglite'],
)

let pgDb: TestDatabase
beforeAll(async () => void (pgDb = await createTestDatabase('postgres', 'metrics-timeout')))
afterAll(() => pgDb.drop())

it('counts a waiting request and a pool timeout, under a pool name that never holds the password', async () => {
  const url = new URL(pgDb.url)
  url.password = 'pw-s3cret-metrics' // the server trusts local connections: any password is accepted
  const db = defineDb({ url: url.toString(), pool: { max: 1, acquireTimeoutMs: 50 } })
  try {
    let release!: () => void
    const held = new Promise<void>((r) => (release = r))
    let entered!: () => void
    const inside = new Promise<void>((r) => (entered = r))
    const holder = db.scope(async (tx) => {
      await tx.selectNoFrom((eb) => eb.val(1).as('one')).execute()
      entered()
      await held
    })
    await inside
    const waiter = db.kysely.selectNoFrom((eb) => eb.val(1).as('one')).execute()
    while (db.stats().waiting === 0) await new Promise((r) => setImmediate(r))
    const pending = points(await otel.collect(), 'db.client.connection.pending_requests')
    await expect(waiter).rejects.toBeInstanceOf(PoolTimeoutError)
    release()
    await holder
    const rm = await otel.collect()
    const timeouts = points(rm, 'db.client.connection.timeouts')
    const name = `postgres://postgres:***@127.0.0.1:5432/${pgDb.name}`
    expect(timeouts.find((p) => p.attributes['db.client.connection.pool.name'] === name)?.value).toBe(1)
    expect(pending.find((p) => p.attributes['db.client.connection.pool.name'] === name)?.value).toBe(1)
    expect(JSON.stringify(rm)).not.toContain('pw-s3cret-metrics')
  } finally {
    await db.dispose()
  }
})
