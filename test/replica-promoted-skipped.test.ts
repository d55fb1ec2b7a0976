/**
 * A read replica whose server was promoted (a failover, or a mistaken `pg_ctl promote`) no longer follows the
 * primary's writes: reads from it would go stale without bound. Once its server reports the promotion (PostgreSQL
 * 14+ tells every session whose next statement follows it, and every new session), readOnly scopes and db.replica
 * skip it, with a warning, and read from the primary instead, until it rejoins as a standby. A replica that was
 * never a standby (a development setup pointing `replicas` at the primary) is used as before.
 */
import { describe, expect, it } from 'vitest'
import { sql, type Kysely } from 'kysely'
import pg from 'pg'
import { defineDb } from '../src/index.js'
import { useStreamingPair } from './support/streaming-pair.js'

const portOf = async (k: Kysely<any>) => Number((await sql<{ p: number }>`SELECT inet_server_port() AS p`.execute(k)).rows[0]!.p)

describe('a replica whose server was promoted', () => {
  const pairs = useStreamingPair({}, 'CREATE TABLE notes (id int PRIMARY KEY)')

  it('is skipped by readOnly scopes and db.replica once it reports the promotion (reads go to the primary) until it is a standby again; a replica never seen as a standby is not', async () => {
    const pair = pairs.pair
    const warnings: string[] = []
    const db = defineDb({ url: pair.primary.url, replicas: [pair.replica.url], replicaHealthCheckMs: 200, logger: { warn: (m) => void warnings.push(m) } })
    try {
      // A connection to the standby, idle in the replica's pool across the promotion.
      expect(await db.scope((tx) => portOf(tx), { readOnly: true })).toBe(pair.replica.port)
      await pair.promoteReplica()
      // The primary keeps running and taking writes, which the promoted server no longer receives.
      const c = new pg.Client({ connectionString: pair.primary.url })
      await c.connect()
      await c.query('INSERT INTO notes (id) VALUES (1)')
      await c.end()

      // The idle connection has not heard of the promotion yet: its next statement (the first read below, which still
      // runs on the promoted server) is the one that does.
      const ports: number[] = []
      for (let i = 0; i < 3; i++) ports.push(await db.scope((tx) => portOf(tx), { readOnly: true }))
      for (let i = 0; i < 3; i++) ports.push(await portOf(db.replica))
      expect(ports.slice(1)).toEqual(Array(5).fill(pair.primary.port))
      expect(warnings.some((w) => /was promoted/.test(w))).toBe(true)
      expect(db.replicaHealth()).toEqual([expect.objectContaining({ healthy: false })])
      // Still promoted at the next health check: still out of rotation.
      await new Promise((r) => setTimeout(r, 500))
      expect(db.replicaHealth()).toEqual([expect.objectContaining({ healthy: false })])
      expect(await db.scope((tx) => sql<{ n: string }>`SELECT count(*) AS n FROM notes`.execute(tx), { readOnly: true })).toMatchObject({ rows: [{ n: '1' }] })

      // Rejoined as a standby of the primary (a new base backup, same port): back in rotation at a health check.
      await pair.rebuildReplica()
      for (const end = Date.now() + 20_000; !db.replicaHealth()[0]!.healthy && Date.now() < end; ) await new Promise((r) => setTimeout(r, 100))
      expect(db.replicaHealth()).toEqual([expect.objectContaining({ healthy: true })])
      expect(await db.scope((tx) => portOf(tx), { readOnly: true })).toBe(pair.replica.port)

      // A replica URL whose server was never seen as a standby (here: the primary itself) stays in rotation.
      const dev = defineDb({ url: `${pair.primary.url}?application_name=dev-primary`, replicas: [`${pair.primary.url}?application_name=as-replica`] })
      const apps: string[] = []
      for (let i = 0; i < 2; i++) apps.push((await sql<{ a: string }>`SELECT current_setting('application_name') AS a`.execute(dev.replica)).rows[0]!.a)
      expect(apps).toEqual(['as-replica', 'as-replica'])
      expect(dev.replicaHealth()).toEqual([expect.objectContaining({ healthy: true })])
      await dev.dispose()
    } finally {
      await db.dispose()
    }
  }, 90_000)

})
