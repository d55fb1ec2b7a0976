/**
 * The scope of a `for await` over `.stream()` that times out frees its connection (issue 16, item 4): the reader is
 * busy between chunks, so the stream holds the connection; the ROLLBACK behind it is bounded, and past the deadline
 * plus its grace the connection is destroyed and released. No fault is injected: this happens on a healthy server.
 */
import { expect, it, vi } from 'vitest'
import { sql } from 'kysely'
import { DbscopeError, ScopeTimeoutError } from '../src/index.js'
import { describeTargets } from './support/targets.js'

/** Generous: the bound is the deadline plus about 2 s of grace; this only says "it settled". */
const SETTLED_WITHIN_MS = 15_000

describeTargets(
  'a timed-out scope reading a stream',
  (t) => {
    it('rejects, runs afterRollback, and releases its connection while the reader is still busy', async () => {
      const db = t.db({ pool: { max: 1 } })
      const rows = t.kind === 'postgres' ? sql`generate_series(1, 100000)` : sql`seq_1_to_100000`
      let readerMayGoOn!: () => void
      const readerBusy = new Promise<void>((r) => (readerMayGoOn = r))
      let rolledBack!: () => void
      const hookRan = new Promise<void>((r) => (rolledBack = r))
      let readerError: unknown
      const reader = db.scope(
        async (tx) => {
          tx.afterRollback(() => rolledBack())
          try {
            for await (const _ of tx.selectFrom(rows.as('g')).selectAll().stream(10)) await readerBusy
          } catch (e) {
            readerError = e
            throw e
          }
        },
        { timeoutMs: 300 },
      )
      const err = await reader.catch((e: unknown) => e)
      expect(err).toBeInstanceOf(ScopeTimeoutError)
      await hookRan
      await vi.waitFor(() => expect(db.stats().busy).toBe(0), { timeout: SETTLED_WITHIN_MS, interval: 50 })
      expect(await db.scope(async (tx) => (await sql<{ n: number }>`SELECT 3 AS n`.execute(tx)).rows[0]!.n)).toBe(3)
      // The reader, let go, fails rather than hangs: its scope ended (or its statement was cancelled, or its connection
      // closed, depending on which came first).
      readerMayGoOn()
      await vi.waitFor(() => expect(readerError, String(readerError)).toBeInstanceOf(DbscopeError), { timeout: SETTLED_WITHIN_MS })
    })
  },
  // PGlite reads a whole result at once (no stream holds its session); PgBouncer is the same PostgreSQL path.
  ['postgres', 'mysql'],
)
