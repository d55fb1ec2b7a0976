/**
 * Scope options `settings` and `role`: applied for the scope's duration (PostgreSQL: set_config(…, true) and SET
 * LOCAL ROLE with BEGIN; MySQL: user variables and SET ROLE, reset before the connection is reused), values as
 * parameters, inherited and overridden by nested scopes and restored when they end, and nothing left behind.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { sql, type Kysely } from 'kysely'
import { ConfigError } from '../src/index.js'
import { describeTargets, type Target } from './support/targets.js'
import { freshItemsPerTest, type ItemsDB } from './support/items.js'

type DB = ItemsDB
const HOSTILE = `x'; drop table items; --\\ "q" \`b\` $1 ?`

interface Probe {
  /** app.tenant_id as the statement sees it (null or '' when unset). */
  tenant: string | null
  /** The role in effect: PostgreSQL current_user, MySQL CURRENT_ROLE(). */
  role: string | null
}

async function probe(t: Target, k: Kysely<any>): Promise<Probe> {
  const q =
    t.kind === 'mysql'
      ? sql<Probe>`SELECT @\`app.tenant_id\` AS tenant, CURRENT_ROLE() AS role`
      : sql<Probe>`SELECT current_setting('app.tenant_id', true) AS tenant, current_user::text AS role`
  const row = (await q.execute(k)).rows[0]!
  return { tenant: row.tenant === '' ? null : row.tenant, role: row.role }
}

describeTargets('scope settings and role', (t) => {
  freshItemsPerTest(t)
  // Roles are cluster-wide: a unique name per target (with a quote character, to prove quoting), dropped afterwards.
  const role = `dbscope_r_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}${t.kind === 'mysql' ? '`' : '"'}x`
  const quoted = t.kind === 'mysql' ? `\`${role.replaceAll('`', '``')}\`` : `"${role.replaceAll('"', '""')}"`
  /** What the probe reports with no role set: the pool's user on PostgreSQL, no role on MySQL. */
  const noRole = t.kind === 'mysql' ? null : 'postgres'
  beforeAll(async () => {
    if (t.kind === 'mysql') await t.exec(`CREATE ROLE ${quoted}; GRANT ${quoted} TO CURRENT_USER`)
    else await t.exec(`CREATE ROLE ${quoted} NOLOGIN; GRANT ALL ON SCHEMA public TO ${quoted}`)
  })
  afterAll(async () => {
    if (t.kind === 'mysql') await t.exec(`DROP ROLE ${quoted}`)
    else await t.exec(`REVOKE ALL ON SCHEMA public FROM ${quoted}; DROP ROLE ${quoted}`)
  })

  it('applies settings and role in the scope; a hostile value arrives intact and does nothing else; none is left after', async () => {
    const db = t.db<DB>({ pool: { max: 1 } })
    await db.kysely.insertInto('items').values({ id: 1, label: 'survives' }).execute()
    const inside = await db.scope((tx) => probe(t, tx), { settings: { 'app.tenant_id': HOSTILE }, role })
    expect(inside).toEqual({ tenant: HOSTILE, role })
    // Same (only) connection: nothing of the scope is left on it.
    expect(await db.scope((tx) => probe(t, tx))).toEqual({ tenant: null, role: noRole })
    expect(await probe(t, db.kysely)).toEqual({ tenant: null, role: noRole })
    expect(await db.kysely.selectFrom('items').select('label').execute()).toEqual([{ label: 'survives' }])
  })

  it('a nested scope inherits, overrides until it ends (commit or rollback), and the outer values come back', async () => {
    const db = t.db<DB>({ pool: { max: 1 } })
    const seen: Probe[] = []
    await db.scope(
      async (tx) => {
        seen.push(await probe(t, tx))
        await db.scope(async (inner) => {
          seen.push(await probe(t, inner))
        })
        await db.scope(async (inner) => {
          seen.push(await probe(t, inner))
        }, { settings: { 'app.tenant_id': 'inner' }, role })
        seen.push(await probe(t, tx))
        await db
          .scope(async (inner) => {
            seen.push(await probe(t, inner))
            throw new Error('roll back the savepoint')
          }, { settings: { 'app.tenant_id': 'rolled back' } })
          .catch(() => undefined)
        seen.push(await probe(t, db.current))
      },
      { settings: { 'app.tenant_id': 'outer' } },
    )
    expect(seen).toEqual([
      { tenant: 'outer', role: noRole },
      { tenant: 'outer', role: noRole },
      { tenant: 'inner', role },
      { tenant: 'outer', role: noRole },
      { tenant: 'rolled back', role: noRole },
      { tenant: 'outer', role: noRole },
    ])
    expect(await db.scope((tx) => probe(t, tx))).toEqual({ tenant: null, role: noRole })
  })

  it('a role the server refuses stops the scope before its first statement, and nothing runs without the role', async () => {
    const db = t.db<DB>({ pool: { max: 1 } })
    const missing = `dbscope_missing_${Math.random().toString(36).slice(2, 8)}`
    const err = await db
      .scope(
        async (tx) => {
          const first = await tx.insertInto('items').values({ id: 1, label: 'as whom?' }).execute().catch((e: unknown) => e)
          expect(first).toBeInstanceOf(Error)
          // Caught, and the scope goes on: the next statement must not run as the pool's user either.
          await tx.insertInto('items').values({ id: 2, label: 'still not' }).execute()
        },
        { role: missing, settings: { 'app.tenant_id': '1' } },
      )
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(Error)
    expect(await db.kysely.selectFrom('items').selectAll().execute()).toEqual([])
    expect(await db.scope((tx) => probe(t, tx))).toEqual({ tenant: null, role: noRole })
  })

  it.skipIf(t.kind === 'pglite')("propagation 'requiresNew' takes only its own settings", async () => {
    const db = t.db<DB>({ pool: { max: 2 } })
    const inner = await db.scope(
      () => db.scope((tx) => probe(t, tx), { propagation: 'requiresNew', role }),
      { settings: { 'app.tenant_id': 'outer' } },
    )
    expect(inner).toEqual({ tenant: null, role })
  })

  it('db.withContext binds them to scope, begin and current (in a scope without them, current applies them)', async () => {
    const db = t.db<DB>({ pool: { max: 1 } })
    const tenant = db.withContext({ settings: { 'app.tenant_id': '7' }, role })
    expect(await tenant.scope((tx) => probe(t, tx))).toEqual({ tenant: '7', role })
    expect(await tenant.scope((tx) => probe(t, tx), { settings: { 'app.tenant_id': '8' } })).toEqual({ tenant: '8', role })
    {
      await using manual = await tenant.begin()
      expect(await probe(t, manual)).toEqual({ tenant: '7', role })
    }
    expect(await probe(t, tenant.current)).toEqual({ tenant: '7', role })
    const inScope = await db.scope(async (tx) => [await probe(t, tenant.current), await probe(t, tx)])
    expect(inScope).toEqual([{ tenant: '7', role }, { tenant: null, role: noRole }])
    expect(await probe(t, db.kysely)).toEqual({ tenant: null, role: noRole })
  })

  it('malformed settings, role or options are a ConfigError before anything runs', async () => {
    const db = t.db<DB>()
    const bad = [
      { settings: { 'app.x': null } },
      { settings: 'app.x=1' },
      { settings: { '': '1' } },
      { role: '' },
      { role: 42 },
    ] as never[]
    for (const options of bad) await expect(db.scope(async () => 1, options)).rejects.toBeInstanceOf(ConfigError)
    expect(() => db.withContext({ setting: {} } as never)).toThrow(/unknown option "setting"/)
    await expect(db.scope(() => db.scope(async () => 1, { propagation: 'required', role }))).rejects.toBeInstanceOf(ConfigError)
    await expect(db.begin({ settings: { 'app.x': undefined } } as never)).rejects.toBeInstanceOf(ConfigError)
  })
})

describeTargets(
  'scope settings on PostgreSQL',
  (t) => {
    freshItemsPerTest(t)
    it('a name without a dot must be a server parameter (ConfigError otherwise); search_path works', async () => {
      const db = t.db<DB>()
      const err = await db.scope((tx) => sql`SELECT 1`.execute(tx), { settings: { tenant_id: '1' } }).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(ConfigError)
      expect((err as Error).message).toMatch(/"tenant_id" is not a PostgreSQL parameter/)
      await t.exec('DROP SCHEMA IF EXISTS tenant_a CASCADE; CREATE SCHEMA tenant_a; CREATE TABLE tenant_a.items (id int, label text)')
      await t.exec(`INSERT INTO tenant_a.items VALUES (1, 'in tenant_a')`)
      const rows = await db.scope((tx) => tx.selectFrom('items').select('label').execute(), { settings: { search_path: 'tenant_a' } })
      expect(rows).toEqual([{ label: 'in tenant_a' }])
      expect(await db.scope((tx) => tx.selectFrom('items').select('label').execute())).toEqual([])
    })
  },
  // MySQL has user variables of any name, and no search_path.
  ['postgres', 'pgbouncer', 'pglite'],
)
