import { sql, type Kysely } from 'kysely'
import { describe, expect, it } from 'vitest'
import { DbscopeError, defineDb } from '../../src/index.js'
import { pgAutoctlMissing, pgAutoctlRequired, useFormation, type Formation } from '../support/pg-auto-failover.js'
import { assertWritesGoToPrimary, loadThroughFormation, warmPool } from './support/formation-load.js'

const missing = pgAutoctlMissing()
if (missing && !pgAutoctlRequired()) process.stderr.write(`\n!!! ${missing}: the pg_auto_failover tests are SKIPPED (CI=true makes it required)\n\n`)

const retryable = { attempts: 40, backoff: { baseMs: 50, maxMs: 500 }, when: (e: unknown) => e instanceof DbscopeError && e.retryable }

/** Where a read went: the server's port, and whether it is a standby. */
async function whereRead(k: Kysely<any>): Promise<{ port: number; standby: boolean }> {
  const r = (await sql<{ p: number; s: boolean }>`SELECT inet_server_port() AS p, pg_is_in_recovery() AS s`.execute(k)).rows[0]!
  return { port: Number(r.p), standby: r.s }
}

/** `pg_autoctl perform switchover`, then the monitor's word that the roles swapped and settled. */
async function switchOver(formation: Formation): Promise<void> {
  const before = await formation.roles()
  await formation.switchover()
  const after = await formation.roles()
  expect(after.primary, 'the switchover swapped the roles').toEqual(before.secondary)
}

// A planned switchover (`pg_autoctl perform switchover`) under the ledger load, against the URI the manager prints,
// as given; and read replicas (`replicas: [the secondary]`) through role changes.
describe.skipIf(missing !== undefined && !pgAutoctlRequired())('chaos: pg_auto_failover planned switchover', () => {
  const f = useFormation()

  it('under the ledger load: resolved scopes are on the new primary, rejected ones are not, rejections are typed and retryable, writes resume, the old primary takes no writes', async () => {
    const formation = f.formation
    const before = await formation.roles()
    // Another db of the app, with pooled connections to the primary of before the switchover (see the failover file).
    const existing = defineDb({ url: formation.uri.replace('postgres://', 'postgres://postgres@'), pool: { max: 4 }, logger: { warn: () => undefined } })
    try {
      await warmPool(existing, 4)
      const s = await loadThroughFormation(formation, { label: 'pg_auto_failover switchover', fault: () => switchOver(formation), budget: 8 + 4 })
      // A COMMIT cut off by the old primary's shutdown may or may not have committed: that rejection alone is not retryable.
      expect(s.notRetryable.filter((m) => !/lost while COMMIT ran/.test(m)).join('\n'), 'every other rejection the switchover caused is retryable').toBe('')
      expect((s.byCode['CONNECTION_LOST'] ?? 0) + (s.byCode['CONNECT_FAILED'] ?? 0), 'the switchover was felt').toBeGreaterThan(0)
      expect(s.committedAfterRestart, 'scopes commit on the new primary').toBeGreaterThan(0)
      const after = await formation.roles()
      expect(after.primary).toEqual(before.secondary)
      await assertWritesGoToPrimary(formation, after.primary, existing)
    } finally {
      await existing.dispose()
    }
  }, 600_000)

  it('read replicas through two switchovers: the promoted replica leaves the rotation (reads go to the primary and see what was written), and comes back once it is a standby again', async () => {
    const formation = f.formation
    const start = await formation.roles()
    const db = defineDb({ url: formation.uri, replicas: [start.secondary.tlsUrl], replicaHealthCheckMs: 200, pool: { max: 4 }, logger: { warn: () => undefined } })
    try {
      await db.scope(async (tx) => {
        await sql`CREATE TABLE IF NOT EXISTS replica_marks (id text PRIMARY KEY)`.execute(tx)
      }, { retry: retryable })
      expect(await whereRead(db.replica), 'before: reads go to the secondary').toEqual({ port: start.secondary.port, standby: true })

      await switchOver(formation)
      // The listed replica is now the primary. Reading from it is reading from the primary: never stale.
      const mark = `m${Date.now()}`
      await db.scope(async (tx) => void (await sql`INSERT INTO replica_marks (id) VALUES (${mark})`.execute(tx)), { retry: retryable })
      const seen = await db.scope(
        async (tx) => ({ where: await whereRead(tx), rows: (await sql<{ id: string }>`SELECT id FROM replica_marks WHERE id = ${mark}`.execute(tx)).rows.length }),
        { readOnly: true, retry: retryable },
      )
      expect(seen, 'after: the read sees the write, on the primary').toEqual({ where: { port: start.secondary.port, standby: false }, rows: 1 })
      // The listed replica was promoted: once its server says so it leaves the rotation, and reads go to the primary.
      for (let i = 0; i < 3; i++) expect(await whereRead(db.replica)).toEqual({ port: start.secondary.port, standby: false })
      expect(db.replicaHealth(), 'the promoted replica is out of the rotation').toEqual([expect.objectContaining({ healthy: false })])

      await switchOver(formation)
      // Roles back: the listed replica is a standby again, and reads go there once its health check passes.
      const until = Date.now() + 30_000
      let where = await whereRead(db.replica).catch(() => undefined)
      while (Date.now() < until && !(where?.port === start.secondary.port && where.standby)) {
        await new Promise((r) => setTimeout(r, 200))
        where = await whereRead(db.replica).catch(() => undefined)
      }
      expect(where, 'roles back: reads go to the standby again').toEqual({ port: start.secondary.port, standby: true })
      expect(db.replicaHealth()).toEqual([expect.objectContaining({ healthy: true })])
    } finally {
      await db.dispose()
    }
  }, 600_000)
})
