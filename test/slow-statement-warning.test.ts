/**
 * `slowStatementMs`: a statement slower than it is reported once through `logger.warn`, with its parameterized SQL,
 * its duration and the scope it ran in — never its values.
 */
import { sql } from 'kysely'
import { expect, it } from 'vitest'
import { describeTargets } from './support/targets.js'

describeTargets(
  'slowStatementMs',
  (t) => {
    it('warns once for a slow statement of a scope, with its SQL and scope, without its values', async () => {
      const warnings: string[] = []
      const db = t.db({ slowStatementMs: 100, logger: { warn: (m) => void warnings.push(m) } })
      const sleep = t.kind === 'mysql' ? sql`SELECT SLEEP(0.3) AS s, ${'value-4b1d'} AS v` : sql`SELECT pg_sleep(0.3) AS s, ${'value-4b1d'}::text AS v`
      await db.scope(async function nightlyReport(tx) {
        await sleep.execute(tx)
      })
      const slow = warnings.filter((w) => w.includes('slowStatementMs'))
      expect(slow).toHaveLength(1)
      expect(slow[0]).toMatch(/A statement took \d+ ms \(slowStatementMs 100\) in the scope nightlyReport/)
      expect(slow[0]).toContain(t.kind === 'mysql' ? 'SELECT SLEEP(0.3) AS s, ? AS v' : 'SELECT pg_sleep(0.3) AS s, $1::text AS v')
      expect(slow[0]).toContain('slow-statement-warning.test.ts')
      expect(slow[0]).not.toContain('value-4b1d')
    })
  },
  ['postgres', 'mysql', 'pglite'],
)
