import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { sql } from 'kysely'
import { ConnectionBudgetError, defineDb, disposeAll } from '../src/index.js'
import { startThrowawayPostgres, type ThrowawayServer } from './support/throwaway-server.js'
import { lastJson, runFixture } from './support/child.js'
import { MYSQL_URL, PG_URL, pgbouncerUrlFor } from './support/servers.js'
import { pgbouncerMissing } from './support/pgbouncer.js'

// A type-only import: erased at run time, so the fixture's cluster code does not run here.
import type { Report } from './fixtures/cluster-budget.js'

// A private PostgreSQL with max_connections 20 (3 reserved for superusers): the shared server must keep its limit.
describe('guard: connection budget across node:cluster workers [postgres, max_connections 20]', () => {
  let server: ThrowawayServer
  beforeAll(async () => {
    server = await startThrowawayPostgres({ maxConnections: 20 })
  }, 120_000)
  afterAll(() => server?.stop())

  const run = async (mode: 'off' | 'warn' | 'clamp') => {
    const r = await runFixture('test/fixtures/cluster-budget.ts', [server.url, mode], { timeoutMs: 90_000 })
    expect(r.code, r.stderr).toBe(0)
    const reports = lastJson<Report[]>(r.stdout)
    expect(reports).toHaveLength(4)
    return reports
  }

  it('without the guard, 4 workers × pool.max 10 hit "too many clients"', async () => {
    const reports = await run('off')
    const failed = reports.reduce((n, r) => n + r.failed, 0)
    expect(failed).toBeGreaterThan(0)
    expect(reports.flatMap((r) => r.errors).join('\n')).toMatch(/too many clients already|remaining connection slots are reserved/)
    expect(reports.flatMap((r) => r.warnings)).toEqual([])
  }, 120_000)

  it("guard.budget 'warn' (the default) says so in every worker, with the numbers", async () => {
    const reports = await run('warn')
    for (const r of reports) {
      expect(r.warnings.join('\n')).toMatch(/pool\.max 10 × 4 worker\(s\) = 40 connections, but the server allows 20/)
      expect(r.warnings.join('\n')).toMatch(/set guard\.budget to 'clamp'/)
    }
  }, 120_000)

  it("guard.budget 'clamp': every worker serves every scope within the server's limit", async () => {
    const reports = await run('clamp')
    for (const r of reports) {
      expect(r.errors).toEqual([])
      expect(r.ok).toBe(10)
      expect(r.total).toBeLessThanOrEqual(3) // (20 − 3 reserved − 3 reserve) / 4 workers
      expect(r.warnings.join('\n')).toMatch(/Clamped pool\.max to 3/)
    }
  }, 120_000)
})

// The budget read on the shared servers (no limit is changed): an absurd worker count must trip every mode.
for (const [kind, url] of [['postgres', PG_URL], ['mysql', MYSQL_URL]] as const) {
  describe(`guard: connection budget read from the server [${kind}]`, () => {
    afterEach(() => disposeAll())

    it("'throw' refuses to connect with a ConnectionBudgetError that shows the server's numbers", async () => {
      const db = defineDb({ url, guard: { budget: 'throw', workers: 10_000 } })
      const err = await sql`SELECT 1`.execute(db.kysely).then(() => undefined, (e: unknown) => e)
      expect(err).toBeInstanceOf(ConnectionBudgetError)
      expect((err as ConnectionBudgetError).code).toBe('CONNECTION_BUDGET')
      const max = kind === 'postgres' ? 100 : 151
      expect((err as Error).message).toContain(`pool.max 10 × 10000 worker(s) = 100000 connections, but the server allows ${max}`)
      expect((err as Error).message).toMatch(/Lower pool\.max, raise max_connections, or put PgBouncer in front/)
      expect(db.stats().total).toBe(0) // the connection that read the budget was closed
    })

    it("'clamp' shrinks the pool to its share", async () => {
      const warnings: string[] = []
      const db = defineDb({ url, guard: { budget: 'clamp', workers: 10_000 }, logger: { warn: (m) => void warnings.push(m) } })
      await Promise.all(Array.from({ length: 5 }, () => sql`SELECT 1`.execute(db.kysely)))
      expect(db.stats().total).toBe(1)
      expect(warnings.join('\n')).toMatch(/Clamped pool\.max to 1/)
    })
  })
}

describe.skipIf(pgbouncerMissing())('guard: connection budget behind PgBouncer', () => {
  afterEach(() => disposeAll())

  it("does not apply: PostgreSQL's max_connections bounds PgBouncer's server pool, not its clients", async () => {
    const warnings: string[] = []
    // 10 × 10,000 workers would be refused against the server's own limit (see above); through PgBouncer it is fine.
    const db = defineDb({ url: pgbouncerUrlFor('postgres'), pooler: 'pgbouncer', guard: { budget: 'throw', workers: 10_000 }, logger: { warn: (m) => void warnings.push(m) } })
    const rows = await Promise.all(Array.from({ length: 5 }, () => sql<{ one: number }>`SELECT 1 AS one`.execute(db.kysely)))
    expect(rows.map((r) => r.rows[0]?.one)).toEqual([1, 1, 1, 1, 1])
    expect(db.stats().total).toBeGreaterThan(1)
    expect(warnings.filter((w) => /worker/.test(w))).toEqual([])
  })
})
