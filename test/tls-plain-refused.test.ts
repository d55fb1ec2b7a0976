/**
 * A server that requires TLS refuses a plain connection, and the refusal reaches the caller as a ConnectError with
 * the server's reason: PostgreSQL's pg_hba `hostnossl … reject` (the URL says `sslmode=disable`), MariaDB's
 * `REQUIRE SSL` (no `ssl` option: mysql2 connects in plain text).
 */
import { afterEach, expect, it } from 'vitest'
import { sql } from 'kysely'
import { ConnectError, defineDb, disposeAll } from '../src/index.js'
import { failure } from './support/leaks.js'
import { describeTls, tlsVersionOf } from './support/tls-servers.js'

describeTls('a plain connection to a server that requires TLS', (t) => {
  afterEach(() => disposeAll())

  it('is refused with the server\'s reason', async () => {
    const url = t.kind === 'postgres' ? t.server.url({ query: 'sslmode=disable' }) : t.server.url()
    const db = defineDb({ url })
    const err = await failure(() => sql`SELECT 1`.execute(db.kysely))
    expect(err).toBeInstanceOf(ConnectError)
    expect((err as Error).message).toMatch(t.kind === 'postgres' ? /no encryption/ : /Access denied/)
  })

  it('while the same URL with ssl connects', async () => {
    const db = defineDb({ url: t.server.url(), ssl: { ca: t.pki.ca } })
    expect(await tlsVersionOf(t.kind, db.kysely)).toMatch(/^TLSv1\.[23]$/)
  })
})
