/**
 * A connection the server ends because its transaction sat idle past pool.idleInTransactionTimeoutMs surfaces as a
 * typed error that says so, with the server's (or the socket's) error kept as `cause` (issue 16, item 4). It used to
 * be a generic "Client has encountered a connection error" (pg) or "Can't add new command when connection is in
 * closed state" (mysql2), its cause lost.
 */
import { expect, it } from 'vitest'
import { sql } from 'kysely'
import { ConnectionLostError } from '../src/index.js'
import { describeTargets } from './support/targets.js'
import { admin, eventually, sessionId } from './support/sessions.js'

describeTargets(
  'a transaction left idle past idleInTransactionTimeoutMs',
  (t) => {
    it('its next statement rejects with ConnectionLostError code IDLE_IN_TRANSACTION_TIMEOUT, cause kept', async () => {
      const db = t.db({ pool: { max: 1, idleInTransactionTimeoutMs: 1_000 } })
      const gone = async (id: number) =>
        t.kind === 'postgres'
          ? (await admin(t, 'SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = $1', [id]))[0]!.n === 0
          : (await admin<{ n: number }>(t, 'SELECT count(*) AS n FROM information_schema.processlist WHERE id = ?', [id]))[0]!.n == 0
      const err = await db
        .scope(async (tx) => {
          const id = await sessionId(t, tx)
          // Idle in the transaction until the server has ended the session (the wait is the server's timeout).
          expect(await eventually(() => gone(id), 15_000)).toBe(true)
          await sql`SELECT 2`.execute(tx)
        })
        .catch((e: unknown) => e)
      expect(err).toBeInstanceOf(ConnectionLostError)
      const e = err as ConnectionLostError
      expect(e.code).toBe('IDLE_IN_TRANSACTION_TIMEOUT')
      expect(e.retryable).toBe(false)
      expect(e.message).toMatch(/ended this connection for idling in a transaction longer than pool\.idleInTransactionTimeoutMs/)
      expect(e.message).not.toMatch(/Client has encountered a connection error|closed state/)
      expect(e.cause).toBeInstanceOf(Error)
      if (t.kind === 'postgres') expect((e.cause as { code?: string }).code).toBe('25P03')
      expect(db.stats()).toMatchObject({ busy: 0 })
    })
  },
  // MySQL (not MariaDB) has no idle-in-transaction timeout; PgBouncer refuses the session setting; PGlite has no server.
  ['postgres', 'mysql'],
)
