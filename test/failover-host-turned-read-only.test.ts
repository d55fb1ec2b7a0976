/**
 * Role awareness after a failover: pooled connections opened to a host while it was the writable primary are not
 * used for writes once that host stops taking them. The write that finds out fails with ServerReadOnlyError
 * (SERVER_READ_ONLY, retryable), its connection is discarded, every other connection opened to that host before is
 * discarded too, and the host picker moves on to the promoted host. With pool.prePing the ping's answer is what tells
 * the pool, and no scope fails.
 *
 * How the host "becomes a standby" here, and why it is faithful: PostgreSQL cannot demote a running primary. An old
 * primary rejoins as a standby only through a restart (pg_rewind or a new base backup), which ends every connection
 * to it: those already fail as CONNECTION_LOST (retryable), and the picker refuses the restarted standby when it
 * connects (test/engine-failover.test.ts). The one way pooled connections survive on a host that no longer takes
 * writes is a running server made read-only: `ALTER SYSTEM SET default_transaction_read_only = on` and a reload, as
 * operators fence an old primary (and as managed services do on a full disk). To a write it answers exactly as a
 * standby does (SQLSTATE 25006, "cannot execute … in a read-only transaction"), and it reports the change through
 * the same ParameterStatus channel a standby uses for `in_hot_standby`. So: a streaming pair, a pool warmed on the
 * primary, the primary fenced read-only, the replica promoted.
 */
import { describe, expect, it } from 'vitest'
import { sql, type Kysely } from 'kysely'
import pg from 'pg'
import { defineDb, QueryError, ServerReadOnlyError } from '../src/index.js'
import { failure } from './support/leaks.js'
import { useStreamingPair } from './support/streaming-pair.js'
import { pgConnectionCount } from './support/throwaway-server.js'

const APP = 'dbscope-read-only-host'
const APP_RETRY = 'dbscope-read-only-host-retry'
const APP_PING = 'dbscope-read-only-host-ping'
const portOf = async (k: Kysely<any>) => Number((await sql<{ p: number }>`SELECT inet_server_port() AS p`.execute(k)).rows[0]!.p)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function admin(url: string, ...statements: string[]): Promise<void> {
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  try {
    for (const s of statements) await c.query(s)
  } finally {
    await c.end()
  }
}

/** Three connections to the primary, idle in `db`'s pool; each wrote a row, tagged `tag`. */
async function warm(db: ReturnType<typeof defineDb>, tag: string): Promise<number[]> {
  return Promise.all(
    [1, 2, 3].map((i) =>
      db.scope(async (tx) => {
        await sql`INSERT INTO acks (id) VALUES (${`${tag}-${i}`})`.execute(tx)
        await sql`SELECT pg_sleep(0.2)`.execute(tx)
        return portOf(tx)
      }),
    ),
  )
}

describe('a host that stops taking writes while the pool holds connections to it', () => {
  const pairs = useStreamingPair({}, 'CREATE TABLE acks (id text PRIMARY KEY)')

  it('the write that finds out is retryable (a scope with retry runs again on the promoted host; with prePing none fails), and the pool drops every connection to the old host', async () => {
    const pair = pairs.pair
    const options = { pool: { max: 3, connectTimeoutMs: 2_000 }, guard: { budget: 'off' as const } }
    const plain = defineDb({ url: pair.multiHostUrl, applicationName: APP, ...options })
    // Another engine (its hosts listed the other way round), with a pool of its own, for the scope with retry.
    const reversed = `postgres://postgres@127.0.0.1:${pair.replica.port},127.0.0.1:${pair.primary.port}/postgres?target_session_attrs=read-write`
    const retrying = defineDb({ url: reversed, applicationName: APP_RETRY, ...options })
    // A third engine (a query parameter of its own) with prePing: the ping's answer is what tells it.
    const pinged = defineDb({ url: `${pair.multiHostUrl}&connect_timeout=10`, applicationName: APP_PING, ...options, pool: { ...options.pool, prePing: true } })
    try {
      expect(await warm(plain, 'plain')).toEqual([pair.primary.port, pair.primary.port, pair.primary.port])
      expect(await warm(retrying, 'retrying')).toEqual([pair.primary.port, pair.primary.port, pair.primary.port])
      expect(await warm(pinged, 'pinged')).toEqual([pair.primary.port, pair.primary.port, pair.primary.port])
      expect(await pgConnectionCount(pair.primary.url, APP)).toBe(3)

      // A write in a transaction that is read-only by choice stays the server's error: not retryable, nothing dropped.
      const own = await failure(() => plain.scope((tx) => sql`INSERT INTO acks (id) VALUES ('own')`.execute(tx), { readOnly: true }))
      expect(own).toBeInstanceOf(QueryError)
      expect(own).not.toBeInstanceOf(ServerReadOnlyError)
      expect((own as QueryError).retryable).toBe(false)
      expect(plain.stats().total).toBe(3)

      await admin(pair.primary.url, 'ALTER SYSTEM SET default_transaction_read_only = on', 'SELECT pg_reload_conf()')
      await pair.promoteReplica()
      await sleep(200) // lets the primary's backends take the reload signal

      const err = await failure(() => plain.scope((tx) => sql`INSERT INTO acks (id) VALUES ('plain-after-0')`.execute(tx)))
      expect(err).toBeInstanceOf(ServerReadOnlyError)
      expect((err as ServerReadOnlyError).code).toBe('SERVER_READ_ONLY')
      expect((err as ServerReadOnlyError).sqlState).toBe('25006')
      expect((err as ServerReadOnlyError).retryable).toBe(true)

      // The two other idle connections to the old primary were never told; they are discarded all the same.
      const after = await plain.scope(async (tx) => {
        await sql`INSERT INTO acks (id) VALUES ('plain-after-1')`.execute(tx)
        return portOf(tx)
      })
      expect(after).toBe(pair.replica.port)
      expect(await pgConnectionCount(pair.primary.url, APP)).toBe(0)

      // A scope with retry whose first attempt lands on a stale connection runs again, on the promoted host.
      let attempts = 0
      const retried = await retrying.scope(async (tx) => {
        attempts++
        await sql`INSERT INTO acks (id) VALUES ('retrying-after')`.execute(tx)
        return portOf(tx)
      }, { retry: { attempts: 3 } })
      expect(retried).toBe(pair.replica.port)
      expect(attempts).toBe(2)
      expect(await pgConnectionCount(pair.primary.url, APP_RETRY)).toBe(0)

      // With prePing, no scope fails: the ping hears that the host turned read-only, and the connection is dropped.
      const viaPing = await pinged.scope(async (tx) => {
        await sql`INSERT INTO acks (id) VALUES ('pinged-after')`.execute(tx)
        return portOf(tx)
      })
      expect(viaPing).toBe(pair.replica.port)
      expect(await pgConnectionCount(pair.primary.url, APP_PING)).toBe(0)
      for (const db of [plain, retrying, pinged]) expect(db.stats()).toMatchObject({ busy: 0, waiting: 0 })
    } finally {
      await Promise.all([plain.dispose(), retrying.dispose(), pinged.dispose()])
    }
  }, 90_000)
})
