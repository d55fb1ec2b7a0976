/**
 * A connection that cannot be opened is a ConnectError that says what the driver said once, then one piece of advice
 * that fits, and keeps the driver's error as `cause` (issue 18, item 5: it used to repeat its advice, end in "..",
 * and call a refused connection "lost").
 */
import { afterEach, describe, expect, it } from 'vitest'
import { sql } from 'kysely'
import { ConnectError, ConnectionLostError, defineDb, disposeAll } from '../src/index.js'
import { freePort } from './support/throwaway-server.js'
import { MYSQL_URL, PG_URL } from './support/servers.js'

const failure = async (url: string) => {
  const db = defineDb({ url, pool: { connectTimeoutMs: 5_000 }, guard: { budget: 'off' } })
  const err = await db.scope((tx) => sql`SELECT 1`.execute(tx)).then(() => undefined, (e: unknown) => e)
  expect(err).toBeInstanceOf(ConnectError)
  return err as ConnectError
}

/** The message's shape: one sentence of what happened, one of advice; never "..", never "lost". */
function expectOneThingOnce(err: ConnectError, said: RegExp, advice: RegExp, retryable = true): void {
  expect(err.message).toMatch(said)
  expect(err.message).toMatch(advice)
  expect(err.message).not.toMatch(/\.\./)
  expect(err.message).not.toMatch(/lost|retry the unit of work/i)
  expect(err.message.match(/check /gi)?.length ?? 0).toBeLessThanOrEqual(1)
  expect(err.code).toBe('CONNECT_FAILED')
  expect(err.retryable).toBe(retryable)
  expect(err.cause).not.toBeInstanceOf(ConnectionLostError)
}

const withPath = (url: string, change: (u: URL) => void) => {
  const u = new URL(url)
  change(u)
  return u.toString()
}

describe('connect errors say one thing once', () => {
  afterEach(() => disposeAll())

  for (const [name, base] of [['postgres', PG_URL], ['mysql', MYSQL_URL]] as const) {
    it(`[${name}] a refused connection says so, once`, async () => {
      const port = await freePort()
      const err = await failure(withPath(base, (u) => (u.port = String(port))))
      expectOneThingOnce(err, new RegExp(`^Could not connect to ${name}://[^:]+@127\\.0\\.0\\.1:${port}/\\w+: connect ECONNREFUSED 127\\.0\\.0\\.1:${port}\\. `), /Nothing accepted the connection: check that the server is running and listens on that host and port\.$/)
      expect((err.cause as { code?: string }).code).toBe('ECONNREFUSED')
    })

    it(`[${name}] a database that does not exist`, async () => {
      const err = await failure(withPath(base, (u) => (u.pathname = '/dbscope_no_such_database')))
      expectOneThingOnce(err, /dbscope_no_such_database/, /The database does not exist on that server: create it, or fix the database name in the URL\.$/)
    })

    it(`[${name}] a user the server refuses`, async () => {
      const err = await failure(withPath(base, (u) => (u.username = 'dbscope_no_such_user')))
      // Not retryable: a fixed login the server refused is refused again on every retry (issue 16, item 4).
      expectOneThingOnce(err, /dbscope_no_such_user/, /The server refused the login: check the user and password in the URL\.$/, false)
    })
  }
})
