/**
 * Row-level security through scope settings and role, on PostgreSQL directly and through PgBouncer (transaction
 * mode): a policy on current_setting('app.tenant_id', true), a non-superuser role it applies to, 4 tenants and 40
 * concurrent scopes on a pool of 4. Each scope sees only its tenant's rows; afterwards every pooled connection runs
 * as the pool's user with no setting left.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { sql } from 'kysely'
import { describeTargets } from './support/targets.js'

interface DB {
  docs: { id: number; tenant_id: number; body: string }
}

const TENANTS = [1, 2, 3, 4]
const ROWS_PER_TENANT = 3

describeTargets(
  'row-level security by scope settings and role',
  (t) => {
    // Cluster-wide: a unique name, dropped afterwards.
    const role = `dbscope_rls_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`
    beforeAll(async () => {
      const rows = TENANTS.flatMap((tenant) =>
        Array.from({ length: ROWS_PER_TENANT }, (_, i) => `(${tenant * 100 + i}, ${tenant}, 'doc ${i} of tenant ${tenant}')`),
      )
      await t.exec(`
        CREATE ROLE ${role} NOLOGIN;
        CREATE TABLE docs (id int PRIMARY KEY, tenant_id int NOT NULL, body text NOT NULL);
        INSERT INTO docs VALUES ${rows.join(', ')};
        ALTER TABLE docs ENABLE ROW LEVEL SECURITY;
        CREATE POLICY tenant_isolation ON docs USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::int);
        GRANT USAGE ON SCHEMA public TO ${role};
        GRANT SELECT, INSERT ON docs TO ${role};`)
    })
    afterAll(async () => {
      await t.exec(`DROP TABLE docs; REVOKE ALL ON SCHEMA public FROM ${role}; DROP ROLE ${role}`)
    })

    it('40 concurrent scopes on a pool of 4: each sees only its tenant; then no role or setting is left', async () => {
      const db = t.db<DB>({ pool: { max: 4 } })
      const seen = await Promise.all(
        Array.from({ length: 40 }, async (_, i) => {
          const tenant = TENANTS[i % TENANTS.length]!
          const settings = { 'app.tenant_id': String(tenant) }
          // Half through db.scope, half through a bound view's current (each statement its own scope).
          const rows =
            i % 2 === 0
              ? await db.scope((tx) => tx.selectFrom('docs').select(['tenant_id', 'body']).orderBy('id').execute(), { settings, role })
              : await db.withContext({ settings, role }).current.selectFrom('docs').select(['tenant_id', 'body']).orderBy('id').execute()
          return { tenant, rows }
        }),
      )
      for (const { tenant, rows } of seen) {
        expect(rows.length).toBe(ROWS_PER_TENANT)
        expect(rows.every((r) => r.tenant_id === tenant)).toBe(true)
      }
      // Four plain scopes at once hold all four connections: none runs as the role or sees a tenant setting.
      let arrived = 0
      let allThere!: () => void
      const barrier = new Promise<void>((r) => (allThere = r))
      const plain = await Promise.all(
        TENANTS.map(() =>
          db.scope(async (tx) => {
            const probe = await sql<{ who: string; tenant: string | null; visible: number }>`
              SELECT current_user::text AS who, current_setting('app.tenant_id', true) AS tenant,
                     (SELECT count(*)::int FROM docs) AS visible`.execute(tx)
            if (++arrived === TENANTS.length) allThere()
            await barrier
            return probe.rows[0]!
          }),
        ),
      )
      expect(db.stats().total).toBe(4)
      for (const p of plain) {
        expect(p.who).toBe('postgres')
        expect(p.tenant ?? '').toBe('')
        // The pool's user is a superuser: RLS does not apply to it, which is why the scopes switch role.
        expect(p.visible).toBe(TENANTS.length * ROWS_PER_TENANT)
      }
    })

    it('the policy also guards writes: a row for another tenant is refused, and the role cannot bypass it', async () => {
      const db = t.db<DB>({ pool: { max: 4 } })
      const tenant = db.withContext({ settings: { 'app.tenant_id': '1' }, role })
      const err = await tenant
        .scope((tx) => tx.insertInto('docs').values({ id: 999, tenant_id: 2, body: 'smuggled' }).execute())
        .catch((e: unknown) => e)
      expect((err as Error).message).toMatch(/row-level security/)
      expect(await db.kysely.selectFrom('docs').select('id').where('id', '=', 999).execute()).toEqual([])
      // The role without the setting: current_setting(…, true) is NULL, or '' on a connection where an earlier scope
      // set it (nullif makes that NULL too), so no row matches, and nothing fails.
      expect(await db.scope((tx) => tx.selectFrom('docs').selectAll().execute(), { role })).toEqual([])
    })
  },
  // Row-level security is a PostgreSQL feature (PGlite: one superuser session, where a policy is no proof).
  ['postgres', 'pgbouncer'],
)
