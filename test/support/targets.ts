/**
 * The shared behaviour suite's targets: PostgreSQL, MariaDB, PGlite, and PostgreSQL through PgBouncer in
 * transaction pooling mode (`pooler: 'pgbouncer'`), one parametrised `describe` per target.
 *
 * @example
 * describeTargets('scope commits', (t) => {
 *   it('commits', async () => { const db = t.db(); … })
 * })
 */
import { afterAll, beforeAll, describe } from 'vitest'
import type { PGlite } from '@electric-sql/pglite'
import { defineDb, type Db, type DbConfig } from '../../src/index.js'
import { createTestDatabase, type TestDatabase } from './test-db.js'
import { pgbouncerUrlFor } from './servers.js'
import { pgbouncerMissing } from './pgbouncer.js'

export type TargetName = 'postgres' | 'mysql' | 'pglite' | 'pgbouncer'

/** Every target; a file that leaves one out says why next to its describeTargets call. */
export const ALL_TARGETS: readonly TargetName[] = ['postgres', 'mysql', 'pglite', 'pgbouncer']

export interface Target {
  readonly name: TargetName
  /** The URL of this file's own database (a pglite:// placeholder for PGlite; PgBouncer's port for pgbouncer). */
  readonly url: string
  /** A db on this target with the given extra options; disposed after the file (or when options change). */
  db<DB = any>(options?: Omit<DbConfig, 'url' | 'pglite'>): Db<DB>
  /** The same database on the server itself (not through PgBouncer), for admin queries; pglite:// for PGlite. */
  readonly directUrl: string
  /** The server kind behind the target, for kind-specific SQL. */
  readonly kind: 'postgres' | 'mysql' | 'pglite'
  /** Runs DDL/SQL on the target's database (directly on PostgreSQL for pgbouncer). */
  exec(sqlText: string): Promise<void>
}

let sharedPglite: Promise<PGlite> | undefined
/** One PGlite per test file (it takes seconds and hundreds of MB to start). */
export function pgliteInstance(): Promise<PGlite> {
  return (sharedPglite ??= import('@electric-sql/pglite').then(async ({ PGlite }) => {
    const p = new PGlite()
    await p.waitReady
    return p
  }))
}

/**
 * Runs `body` once per target, each with its own database. `only` limits the targets. The pgbouncer target is
 * skipped when PgBouncer is not installed (see support/pgbouncer.ts).
 */
export function describeTargets(title: string, body: (t: Target) => void, only: readonly TargetName[] = ALL_TARGETS): void {
  for (const name of only) {
    describe.skipIf(name === 'pgbouncer' && pgbouncerMissing())(`${title} [${name}]`, () => {
      let testDb: TestDatabase | undefined
      let pglite: PGlite | undefined
      const dbs: Db<any>[] = []
      const closing: Promise<void>[] = []
      let lastOptions = '{}'
      let fnCount = 0
      beforeAll(async () => {
        if (name === 'pglite') pglite = await pgliteInstance()
        else testDb = await createTestDatabase(name === 'pgbouncer' ? 'postgres' : name, title)
      })
      afterAll(async () => {
        await Promise.all([...dbs.map((d) => d.dispose()), ...closing])
        await testDb?.drop()
      })
      const target: Target = {
        name,
        kind: name === 'pgbouncer' ? 'postgres' : name,
        get directUrl() {
          return testDb?.url ?? 'pglite://memory'
        },
        get url() {
          if (!testDb) return 'pglite://memory'
          return name === 'pgbouncer' ? pgbouncerUrlFor(testDb.name) : testDb.url
        },
        db<DB>(options: Omit<DbConfig, 'url' | 'pglite'> = {}): Db<DB> {
          // One URL has one engine per process: other options need a fresh engine, so drop the earlier ones.
          // A function (logger, onHookError) always counts as new: the engine would keep the earlier one.
          const key = JSON.stringify(options, (_k, v: unknown) => (typeof v === 'function' ? `fn${++fnCount}` : v))
          if (key !== lastOptions) for (const old of dbs.splice(0)) closing.push(old.dispose())
          lastOptions = key
          const d =
            name === 'pglite'
              ? defineDb<DB>({ ...options, pglite: pglite! })
              : name === 'pgbouncer'
                ? defineDb<DB>({ pooler: 'pgbouncer', ...options, url: pgbouncerUrlFor(testDb!.name) })
                : defineDb<DB>({ ...options, url: testDb!.url })
          dbs.push(d as Db<any>)
          return d
        },
        async exec(sqlText) {
          if (name === 'pglite') {
            await pglite!.exec(sqlText)
            return
          }
          const { withMysql, withPg } = await import('./test-db.js')
          if (name === 'postgres' || name === 'pgbouncer') await withPg((c) => c.query(sqlText), testDb!.url)
          else await withMysql((c) => c.query(sqlText), testDb!.url)
        },
      }
      body(target)
    })
  }
}
