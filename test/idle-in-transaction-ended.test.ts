/**
 * A connection the server ends because its transaction sat idle past pool.idleInTransactionTimeoutMs surfaces as a
 * typed error that says so, with the server's (or the socket's) error kept as `cause` (issue 16, item 4). It used to
 * be a generic "Client has encountered a connection error" (pg) or "Can't add new command when connection is in
 * closed state" (mysql2), its cause lost.
 */
import { spawnSync } from 'node:child_process'
import { expect, it } from 'vitest'
import { sql } from 'kysely'
import { ConnectionLostError } from '../src/index.js'
import { describeTargets } from './support/targets.js'
import { admin, eventually, sessionId } from './support/sessions.js'

/** Run in another process: polls MariaDB's processlist until connection id argv[2] is gone (exit 0) or 15 s pass (exit 1). */
const WAIT_GONE = `
const mysql = require('mysql2/promise')
;(async () => {
  const c = await mysql.createConnection({ uri: process.argv[1] })
  const until = Date.now() + 15000
  for (;;) {
    const [rows] = await c.query('SELECT COUNT(*) AS n FROM information_schema.processlist WHERE id = ?', [Number(process.argv[2])])
    if (Number(rows[0].n) === 0) break
    if (Date.now() > until) process.exit(1)
    await new Promise((r) => setTimeout(r, 25))
  }
  await c.end()
  process.exit(0)
})().catch((e) => { console.error(e); process.exit(2) })
`

/** `err` is the typed idle-in-transaction error: not retryable, the server's (or socket's) error kept as cause. */
function expectIdleTimeout(err: unknown): ConnectionLostError {
  expect(err).toBeInstanceOf(ConnectionLostError)
  const e = err as ConnectionLostError
  expect(e.code).toBe('IDLE_IN_TRANSACTION_TIMEOUT')
  expect(e.retryable).toBe(false)
  expect(e.cause).toBeInstanceOf(Error)
  return e
}

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
      const e = expectIdleTimeout(err)
      expect(e.message).toMatch(/ended this connection for idling in a transaction longer than pool\.idleInTransactionTimeoutMs/)
      expect(e.message).not.toMatch(/Client has encountered a connection error|closed state/)
      if (t.kind === 'postgres') expect((e.cause as { code?: string }).code).toBe('25P03')
      expect(db.stats()).toMatchObject({ busy: 0 })
    })

    // The next statement can leave before the client has read the server's close (a busy event loop): it is still
    // the idle timeout that ended the connection, not a generic loss.
    it.skipIf(t.kind !== 'mysql')('[mysql] also when that statement is sent before the client has read the close', async () => {
      const db = t.db({ pool: { max: 1, idleInTransactionTimeoutMs: 1_000 } })
      const err = await db
        .scope(async (tx) => {
          const id = await sessionId(t, tx)
          // Blocks this event loop (so the close stays unread) until another process sees the session gone.
          const r = spawnSync(process.execPath, ['-e', WAIT_GONE, t.directUrl, String(id)], { encoding: 'utf8', timeout: 20_000 })
          expect(r.status, r.stderr).toBe(0)
          await sql`SELECT 2`.execute(tx)
        })
        .catch((e: unknown) => e)
      expectIdleTimeout(err)
      expect(db.stats()).toMatchObject({ busy: 0 })
    })
  },
  // MySQL (not MariaDB) has no idle-in-transaction timeout; PgBouncer refuses the session setting; PGlite has no server.
  ['postgres', 'mysql'],
)
