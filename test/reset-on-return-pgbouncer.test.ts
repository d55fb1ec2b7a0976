/**
 * Behind `pooler: 'pgbouncer'` no reset of ours can reach the clients a session change would leak into, so every
 * statement that changes the session is refused before it is sent, with a PoolerUnsupportedError that names the
 * transaction-local form — set_config(…, false) and temporary tables included, which used to pass and leak. Their
 * transaction-local forms still run. (SET, RESET, advisory locks, LISTEN, PREPARE: pgbouncer-unsupported-statements.)
 */
import { expect, it } from 'vitest'
import { CompiledQuery, sql, type Kysely } from 'kysely'
import { PoolerUnsupportedError } from '../src/index.js'
import { describeTargets } from './support/targets.js'

const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e)

const REFUSED: readonly [string, RegExp][] = [
  ["select set_config('app.t', 't1', false)", /set_config\(name, value, true\)/],
  ["SELECT set_config('app.t', 't1', $1)", /set_config\(name, value, true\)/],
  ['SELECT set_config($1, $2, is_local) FROM (SELECT false AS is_local) s', /set_config\(name, value, true\)/],
  ['CREATE TEMP TABLE leaked (x int)', /ON COMMIT DROP/],
  ['create temporary table leaked (x int)', /ON COMMIT DROP/],
  ['CREATE TABLE pg_temp.leaked (x int)', /ON COMMIT DROP/],
  ['SELECT 1 AS x INTO TEMP leaked', /ON COMMIT DROP/],
]

describeTargets(
  "pooler: 'pgbouncer' refuses every statement that would leak to another client",
  (t) => {
    for (const [text, local] of REFUSED) {
      it(`${text} is refused before it is sent, naming the transaction-local form`, async () => {
        const db = t.db()
        const params = text.includes('$2') ? ['app.t', 't1'] : text.includes('$1') ? [false] : []
        const run = (k: Kysely<any>) => k.executeQuery(CompiledQuery.raw(text, params))
        for (const attempt of [() => run(db.kysely), () => db.scope((tx) => run(tx))]) {
          const err = await failure(attempt())
          expect(err).toBeInstanceOf(PoolerUnsupportedError)
          expect((err as Error).message).toMatch(local)
        }
        // Nothing reached the server: a setting that went through would show on the next transactions.
        const seen = await db.scope((tx) => sql<{ t: string | null; app: string }>`SELECT nullif(current_setting('app.t', true), '') AS t, current_setting('application_name') AS app`.execute(tx))
        expect(seen.rows[0]!.t).toBeNull()
        expect(seen.rows[0]!.app).not.toBe('leaked')
      })
    }

    it('the transaction-local forms run (set_config(…, true), SET LOCAL, ON COMMIT DROP); the session form next to them is refused', async () => {
      const db = t.db()
      const seen = await db.scope(async (tx) => {
        await sql`SELECT set_config('app.t', 'local', true)`.execute(tx)
        await sql`SELECT set_config(${'app.u'}, ${'param'}, true)`.execute(tx)
        await sql`SET LOCAL application_name = 'local'`.execute(tx)
        await sql`CREATE TEMP TABLE scratch (x int) ON COMMIT DROP`.execute(tx)
        await sql`INSERT INTO scratch VALUES (1)`.execute(tx)
        const r = await sql<{ t: string; u: string; n: number }>`SELECT current_setting('app.t') AS t, current_setting('app.u') AS u, (SELECT count(*)::int FROM scratch) AS n`.execute(tx)
        const refused = await failure(sql`SELECT set_config('app.t', 'session', false)`.execute(tx))
        return { ...r.rows[0], refused: refused instanceof PoolerUnsupportedError }
      })
      expect(seen).toEqual({ t: 'local', u: 'param', n: 1, refused: true })
    })
  },
  ['pgbouncer'],
)
