/**
 * A statement issued inside a `for await` over `.stream()` in the same scope rejects at once, with an error that says
 * to finish or break the stream first (issue 16, item 4): the scope has one connection, which the stream holds, so
 * the statement used to wait for the stream while the stream waited for it.
 */
import { expect, it } from 'vitest'
import { sql } from 'kysely'
import { StreamActiveError } from '../src/index.js'
import { describeTargets } from './support/targets.js'

describeTargets(
  'a statement inside a stream of the same scope',
  (t) => {
    it('rejects at once with StreamActiveError; the stream and the scope carry on', async () => {
      const db = t.db({ pool: { max: 1 } })
      const rows = t.kind === 'postgres' ? sql`generate_series(1, 50)` : sql`seq_1_to_50`
      const result = await db.scope(async (tx) => {
        let read = 0
        let inside: unknown
        for await (const _ of tx.selectFrom(rows.as('g')).selectAll().stream(10)) {
          read++
          if (read === 5) inside = await sql`SELECT 1`.execute(tx).catch((e: unknown) => e)
        }
        const after = await sql<{ n: number }>`SELECT 2 AS n`.execute(tx)
        return { read, inside, after: Number(after.rows[0]!.n) }
      })
      expect(result.inside).toBeInstanceOf(StreamActiveError)
      expect((result.inside as StreamActiveError).code).toBe('STREAM_ACTIVE')
      expect((result.inside as Error).message).toMatch(/Finish or break the stream first/)
      expect(result.read).toBe(50)
      expect(result.after).toBe(2)
      expect(db.stats().busy).toBe(0)
    })

    it('a break ends the stream: a statement after it runs', async () => {
      const db = t.db({ pool: { max: 1 } })
      const rows = t.kind === 'postgres' ? sql`generate_series(1, 50)` : sql`seq_1_to_50`
      const after = await db.scope(async (tx) => {
        for await (const _ of tx.selectFrom(rows.as('g')).selectAll().stream(10)) break
        return Number((await sql<{ n: number }>`SELECT 3 AS n`.execute(tx)).rows[0]!.n)
      })
      expect(after).toBe(3)
    })
  },
  // PGlite reads the whole result before the loop starts; PgBouncer runs the PostgreSQL path.
  ['postgres', 'mysql'],
)
