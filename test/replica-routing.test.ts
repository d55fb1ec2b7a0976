import { beforeEach, describe, expect, it } from 'vitest'
import { sql, type Kysely } from 'kysely'
import { ConfigError, defineDb } from '../src/index.js'
import { useStreamingPair, type StreamingPair } from './support/streaming-pair.js'

interface DB {
  notes: { id: number; body: string }
}

const portOf = async (k: Kysely<any>) => Number((await sql<{ p: number }>`SELECT inet_server_port() AS p`.execute(k)).rows[0]!.p)
const inRecovery = async (k: Kysely<any>) => (await sql<{ r: boolean }>`SELECT pg_is_in_recovery() AS r`.execute(k)).rows[0]!.r

// A real streaming replica: a second cluster cloned with pg_basebackup -R from a throwaway primary.
describe('read replicas on a real streaming pair', () => {
  const pairs = useStreamingPair({}, 'CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL)')
  let pair: StreamingPair
  beforeEach(() => {
    pair = pairs.pair
  })

  it('a row written in a scope on the primary becomes readable through db.replica, which is the standby', async () => {
    const db = defineDb<DB>({ url: pair.primary.url, replicas: [pair.replica.url] })
    const wrote = await db.scope(async (tx) => {
      await tx.insertInto('notes').values({ id: 1, body: 'hello replica' }).execute()
      return { port: await portOf(tx), recovery: await inRecovery(tx) }
    })
    expect(wrote).toEqual({ port: pair.primary.port, recovery: false })
    await pair.caughtUp()
    const row = await db.replica.selectFrom('notes').selectAll().where('id', '=', 1).executeTakeFirst()
    expect(row).toEqual({ id: 1, body: 'hello replica' })
    expect(await portOf(db.replica)).toBe(pair.replica.port)
    expect(await inRecovery(db.replica)).toBe(true)
    await db.dispose()
  })

  it('routing: readOnly scopes go to the replica; read-write scopes and db.kysely to the primary', async () => {
    const db = defineDb<DB>({ url: pair.primary.url, replicas: [pair.replica.url] })
    expect(await db.scope((tx) => portOf(tx), { readOnly: true })).toBe(pair.replica.port)
    expect(await db.scope((tx) => inRecovery(tx), { readOnly: true })).toBe(true)
    expect(await db.scope((tx) => portOf(tx))).toBe(pair.primary.port)
    expect(await db.scope((tx) => portOf(tx), { readOnly: false })).toBe(pair.primary.port)
    expect(await portOf(db.kysely)).toBe(pair.primary.port)
    {
      await using manual = await db.begin({ readOnly: true })
      expect(await portOf(manual)).toBe(pair.replica.port)
    }
    {
      await using manual = await db.begin()
      expect(await portOf(manual)).toBe(pair.primary.port)
    }
    // Inside a primary scope a nested readOnly stays the usual ConfigError, never a silent hop to another server.
    const nested = await db.scope(() => db.scope((tx) => portOf(tx), { readOnly: true })).then(() => undefined, (e: unknown) => e)
    expect(nested).toBeInstanceOf(ConfigError)
    await db.dispose()
  })

  it('round robin across replicas (the same standby listed twice gives alternate pools)', async () => {
    const second = new URL(pair.replica.url)
    second.searchParams.set('application_name', 'second')
    const db = defineDb({ url: pair.primary.url, replicas: [pair.replica.url, second.toString()] })
    const apps: string[] = []
    for (let i = 0; i < 4; i++) apps.push((await sql<{ a: string }>`SELECT current_setting('application_name') AS a`.execute(db.replica)).rows[0]!.a)
    expect(apps[0]).not.toBe(apps[1])
    expect(apps[0]).toBe(apps[2])
    expect(apps[1]).toBe(apps[3])
    await db.dispose()
  })

  it('a replica that goes down is skipped (reads fall back to the primary) and used again after it comes back', async () => {
    const db = defineDb({ url: pair.primary.url, replicas: [pair.replica.url], replicaHealthCheckMs: 200, pool: { connectTimeoutMs: 1_000 }, logger: { warn: () => undefined } })
    expect(await portOf(db.replica)).toBe(pair.replica.port)
    await pair.stopReplica()
    try {
      // The pooled connection died with the server: the first read may fail (typed, retryable); then it is skipped.
      const first = await portOf(db.replica).catch((e: unknown) => e)
      if (typeof first !== 'number') expect((first as { retryable?: boolean }).retryable).toBe(true)
      expect(await portOf(db.replica)).toBe(pair.primary.port)
      expect(await db.scope((tx) => portOf(tx), { readOnly: true })).toBe(pair.primary.port)
      expect(db.replicaHealth()).toEqual([{ url: expect.stringContaining(`:${pair.replica.port}`), healthy: false }])
    } finally {
      await pair.startReplica()
    }
    const deadline = Date.now() + 10_000
    while (!db.replicaHealth()[0]!.healthy && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
    expect(db.replicaHealth()[0]!.healthy).toBe(true)
    expect(await portOf(db.replica)).toBe(pair.replica.port)
    await db.dispose()
  }, 60_000)

  it('a replica URL of another dialect is a ConfigError', () => {
    expect(() => defineDb({ url: pair.primary.url, replicas: ['mysql://root@127.0.0.1:3306/test'] })).toThrow(ConfigError)
  })
})
