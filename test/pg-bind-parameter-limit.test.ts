/**
 * PostgreSQL takes at most 65,535 bind parameters per statement. A statement with more is refused before it is sent,
 * with a non-retryable error that names the limit and says to batch (issue 16, item 4). It used to reach the
 * server, come back as protocol error 08P01, and be taken for a lost connection: a retryable ConnectionLostError, with
 * the healthy connection discarded.
 */
import { expect, it } from 'vitest'
import { sql } from 'kysely'
import { ConnectionLostError, TooManyParametersError } from '../src/index.js'
import { describeTargets } from './support/targets.js'

describeTargets(
  'more than 65,535 bind parameters',
  (t) => {
    it('is refused before sending with TooManyParametersError; the connection is kept', async () => {
      const db = t.db({ pool: { max: 1 } })
      await t.exec('CREATE TABLE IF NOT EXISTS wide (a int, b int)')
      const rows = Array.from({ length: 40_000 }, (_, i) => ({ a: i, b: i })) // 80,000 parameters
      const pid = async () => Number((await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(db.kysely)).rows[0]!.pid)
      const before = await pid()
      const err = await db.kysely.insertInto('wide').values(rows).execute().catch((e: unknown) => e)
      expect(err).toBeInstanceOf(TooManyParametersError)
      expect(err).not.toBeInstanceOf(ConnectionLostError)
      const e = err as TooManyParametersError
      expect(e.code).toBe('TOO_MANY_PARAMETERS')
      expect(e.retryable).toBe(false)
      expect(e.message).toMatch(/80000 bind parameters; PostgreSQL takes at most 65535/)
      expect(e.message).toMatch(/batches/)
      expect(await pid()).toBe(before)
      // In a scope too: refused, and the scope's transaction goes on.
      const inScope = await db.scope(async (tx) => {
        const refused = await tx.insertInto('wide').values(rows).execute().catch((x: unknown) => x)
        await tx.insertInto('wide').values(rows.slice(0, 10)).execute()
        return refused
      })
      expect(inScope).toBeInstanceOf(TooManyParametersError)
      expect(Number((await sql<{ n: string }>`SELECT count(*) AS n FROM wide`.execute(db.kysely)).rows[0]!.n)).toBe(10)
      expect(await pid()).toBe(before)
    })
  },
  // The limit is PostgreSQL's protocol's; MariaDB's driver sends values inline. PGlite is left out: it is in-process.
  ['postgres'],
)
