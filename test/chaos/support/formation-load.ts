/**
 * What the pg_auto_failover chaos files share: the ledger load run against the URI the manager prints, the admin
 * connection following the primary, and the checks on the formation afterwards.
 *
 * @example
 * const s = await loadThroughFormation(formation, { label: 'failover', fault: () => failOver(formation) })
 */
import { sql } from 'kysely'
import { expect } from 'vitest'
import { DbscopeError, defineDb } from '../../../src/index.js'
import type { Formation, FormationNode } from '../../support/pg-auto-failover.js'
import { CHAOS_SCOPES, runLedgerLoad, watchProcess } from './ledger-load.js'
import { assertLoadHeld } from './assert-load.js'
import type { LoadOptions, LoadSummary } from './load-types.js'

/** The manager's URI names no user: libpq (and node-postgres) then take PGUSER. */
process.env.PGUSER ??= 'postgres'

/** A load that outlives this has a scope that never settled: the watchdog names it (~30 s for 1,000 scopes here). */
const watchdogMs = (scopes: number) => 180_000 + scopes * 30

/** Runs the ledger load through the formation's URI with `fault` at 40 %; asserts the load's invariants. */
export async function loadThroughFormation(
  formation: Formation,
  o: { label: string; fault: () => Promise<void>; retry?: LoadOptions['retry']; budget?: number },
): Promise<LoadSummary> {
  const watcher = watchProcess()
  const scopes = Math.max(CHAOS_SCOPES, 1_000)
  try {
    const s = await runLedgerLoad({
      label: o.label,
      kind: 'postgres',
      url: formation.uri,
      directUrl: formation.nodes[0]!.url,
      adminUrl: async () => (await formation.roles()).primary.url,
      scopes,
      restart: o.fault,
      budget: o.budget,
      retry: o.retry,
      watchdogMs: watchdogMs(scopes),
    })
    assertLoadHeld(s, watcher.seen)
    expect(s.faults.restarts).toBe(1)
    expect(s.gapMs, 'a scope begun after the fault committed').toBeDefined()
    process.stdout.write(`\n${o.label}: fault → first commit ${s.gapMs} ms; ${s.committed} of ${s.scopes} scopes committed\n`)
    return s
  } finally {
    watcher.stop()
  }
}

const portOf = async (tx: Parameters<Parameters<ReturnType<typeof defineDb>['scope']>[0]>[0]) =>
  Number((await sql<{ p: number }>`SELECT inet_server_port() AS p`.execute(tx)).rows[0]!.p)

/**
 * After a role change: writes through the URI (its first host may now be the secondary) all land on the primary,
 * both from a db that already had pooled connections (`db`) and from a new one.
 */
export async function assertWritesGoToPrimary(formation: Formation, primary: FormationNode, existing: ReturnType<typeof defineDb>): Promise<void> {
  const fresh = defineDb({ url: formation.uri, pool: { max: 4 }, logger: { warn: () => undefined } })
  const retry = { attempts: 10, backoff: { baseMs: 100, maxMs: 1_000 }, when: (e: unknown) => e instanceof DbscopeError && e.retryable }
  try {
    await fresh.scope(async (tx) => void (await sql`CREATE TABLE IF NOT EXISTS role_probe (id serial PRIMARY KEY)`.execute(tx)), { retry })
    for (const db of [existing, fresh]) {
      const ports = await Promise.all(
        Array.from({ length: 12 }, () =>
          db.scope(async (tx) => {
            await sql`INSERT INTO role_probe DEFAULT VALUES`.execute(tx)
            return portOf(tx)
          }, { retry }),
        ),
      )
      expect(new Set(ports), 'every write went to the primary').toEqual(new Set([primary.port]))
    }
  } finally {
    await fresh.dispose()
  }
}

/** Holds `n` connections of `db` at once, so that its pool has that many (to the primary of the moment). */
export async function warmPool(db: ReturnType<typeof defineDb>, n: number): Promise<void> {
  await Promise.all(Array.from({ length: n }, () => db.scope(async (tx) => void (await sql`SELECT pg_sleep(0.2)`.execute(tx)))))
}
