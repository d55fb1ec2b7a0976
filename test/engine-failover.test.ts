import { beforeEach, describe, expect, it } from 'vitest'
import { sql, type Kysely } from 'kysely'
import pg from 'pg'
import { DbscopeError, defineDb } from '../src/index.js'
import { useStreamingPair, type StreamingPair } from './support/streaming-pair.js'
import { watchProcess } from './chaos/support/ledger-load.js'

const portOf = async (k: Kysely<any>) => Number((await sql<{ p: number }>`SELECT inet_server_port() AS p`.execute(k)).rows[0]!.p)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function idsOn(url: string): Promise<Set<string>> {
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  try {
    return new Set((await c.query<{ id: string }>('SELECT id FROM acks')).rows.map((r) => r.id))
  } finally {
    await c.end()
  }
}

// A synchronous streaming pair: a commit is acknowledged only once the standby has it, so none may be lost.
// Each test has a pair of its own: the failover test stops the primary and promotes the replica, so a test sharing
// its pair would see the roles swapped (or one host gone) whenever it ran after it.
describe('failover with a multi-host URL (target_session_attrs=read-write)', () => {
  describe('an intact pair', () => {
    const pairs = useStreamingPair({ synchronous: true }, 'CREATE TABLE acks (id text PRIMARY KEY)')
    let pair: StreamingPair
    beforeEach(() => {
      pair = pairs.pair
    })

    it('connects to the writable host whichever order the hosts are listed in', async () => {
      const reversed = `postgres://postgres@127.0.0.1:${pair.replica.port},127.0.0.1:${pair.primary.port}/postgres?target_session_attrs=read-write`
      for (const url of [pair.multiHostUrl, reversed]) {
        const db = defineDb({ url })
        expect(await db.scope((tx) => portOf(tx))).toBe(pair.primary.port)
        await db.dispose()
      }
      // Without target_session_attrs the first host that answers is used, standby or not.
      const any = defineDb({ url: reversed.replace('?target_session_attrs=read-write', '') })
      expect(await portOf(any.kysely)).toBe(pair.replica.port)
      await any.dispose()
    })

    it('connections opened at once, standby listed first: every one finds the primary (each tries every host)', async () => {
      const reversed = `postgres://postgres@127.0.0.1:${pair.replica.port},127.0.0.1:${pair.primary.port}/postgres?target_session_attrs=read-write`
      const db = defineDb({ url: reversed, pool: { max: 8 }, guard: { budget: 'off' } })
      try {
        const ports = await Promise.all(Array.from({ length: 8 }, () => db.scope(async (tx) => {
          await sql`SELECT pg_sleep(0.1)`.execute(tx)
          return portOf(tx)
        })))
        expect(ports).toEqual(Array(8).fill(pair.primary.port))
      } finally {
        await db.dispose()
      }
    })
  })

  describe('a pair whose primary is stopped', () => {
    const pairs = useStreamingPair({ synchronous: true }, 'CREATE TABLE acks (id text PRIMARY KEY)')
    let pair: StreamingPair
    beforeEach(() => {
      pair = pairs.pair
    })

    it('primary stopped, replica promoted: in-flight scopes reject typed and retryable, new scopes resume on the promoted host within seconds, no acknowledged commit is lost', async () => {
      const watcher = watchProcess()
      const db = defineDb({ url: pair.multiHostUrl, pool: { max: 4, connectTimeoutMs: 1_000, acquireTimeoutMs: 2_000 }, logger: { warn: () => undefined } })
      const acked: { id: string; at: number }[] = []
      const rejected: unknown[] = []
      let running = true
      let seq = 0
      const worker = async () => {
        while (running) {
          const id = `w${seq++}`
          try {
            await db.scope(async (tx) => {
              await sql`INSERT INTO acks (id) VALUES (${id})`.execute(tx)
              await sql`SELECT pg_sleep(0.01)`.execute(tx)
            })
            acked.push({ id, at: Date.now() })
          } catch (err) {
            rejected.push(err)
            await sleep(50)
          }
        }
      }
      const workers = Array.from({ length: 8 }, worker)
      try {
        await sleep(1_000)
        expect(acked.length).toBeGreaterThan(0)
        const stoppedAt = Date.now()
        await pair.stopPrimary()
        await sleep(500)
        await pair.promoteReplica()
        const promotedAt = Date.now()
        while (!acked.some((a) => a.at > promotedAt) && Date.now() - promotedAt < 15_000) await sleep(50)
        const firstAfter = acked.find((a) => a.at > promotedAt)
        expect(firstAfter, 'a scope committed after the promotion').toBeDefined()
        expect(firstAfter!.at - promotedAt, 'scopes resumed within a few seconds of the promotion').toBeLessThan(5_000)
        await sleep(500)
        running = false
        await Promise.all(workers)
        // Every rejection is typed and retryable (lost connection, no writable host yet, or a full pool meanwhile).
        expect(rejected.length, 'the failover was felt by in-flight scopes').toBeGreaterThan(0)
        for (const err of rejected) {
          expect(err).toBeInstanceOf(DbscopeError)
          expect((err as DbscopeError).retryable, String(err)).toBe(true)
        }
        expect(acked.filter((a) => a.at < stoppedAt).length).toBeGreaterThan(0)
        // Every scope that resolved (before or after the failover) is on the new primary.
        const present = await idsOn(pair.replica.url)
        expect(acked.filter((a) => !present.has(a.id)).map((a) => a.id)).toEqual([])
        expect(await db.scope((tx) => portOf(tx))).toBe(pair.replica.port)
        expect(db.stats()).toMatchObject({ busy: 0, waiting: 0 })
        expect(watcher.seen).toEqual([])
      } finally {
        running = false
        watcher.stop()
        await db.dispose()
      }
    }, 90_000)
  })
})
