/**
 * A login the server refuses is a ConnectError that is not retryable when the password is fixed (a retry loop would
 * only repeat the refusal), and stays retryable when a password function gives it, which may rotate (issue 16,
 * item 4).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { sql } from 'kysely'
import { ConnectError, defineDb, disposeAll } from '../src/index.js'
import { MYSQL_URL, PG_URL } from './support/servers.js'

const refused = async (db: ReturnType<typeof defineDb>) => {
  const err = await sql`SELECT 1`.execute(db.kysely).then(() => undefined, (e: unknown) => e)
  expect(err).toBeInstanceOf(ConnectError)
  expect((err as ConnectError).message).toMatch(/The server refused the login/)
  return err as ConnectError
}

/** PostgreSQL here trusts every local user, so a role that does not exist is its refused login; MariaDB checks the password. */
const refusedLogin = {
  postgres: (u: URL) => void (u.username = 'dbscope_no_such_role'),
  mysql: (u: URL) => void (u.password = 'dbscope-wrong-password'),
}

describe('a refused login', () => {
  afterEach(() => disposeAll())

  for (const [kind, base] of [['postgres', PG_URL], ['mysql', MYSQL_URL]] as const) {
    it(`[${kind}] with a fixed password: not retryable`, async () => {
      const u = new URL(base)
      refusedLogin[kind](u)
      const err = await refused(defineDb({ url: u.toString(), guard: { budget: 'off' } }))
      expect(err.code).toBe('CONNECT_FAILED')
      expect(err.retryable).toBe(false)
      expect(err.message).not.toContain('dbscope-wrong-password')
    })

    it(`[${kind}] with a password function: retryable (it is asked again on the next connect)`, async () => {
      const u = new URL(base)
      refusedLogin[kind](u)
      const password = u.password ? decodeURIComponent(u.password) : ''
      u.password = ''
      const err = await refused(
        defineDb({
          connection: { host: u.hostname, port: Number(u.port), user: decodeURIComponent(u.username), database: u.pathname.slice(1), password: async () => password, dialect: kind },
          guard: { budget: 'off' },
        }),
      )
      expect(err.retryable).toBe(true)
    })
  }
})
