/**
 * Mutual TLS: `ssl.cert` and `ssl.key` (PEM strings or Buffers) log in the user that the server identifies by its
 * client certificate (PostgreSQL `hostssl … cert`, MariaDB `REQUIRE SUBJECT`), with no password.
 */
import { afterEach, expect, it } from 'vitest'
import { sql } from 'kysely'
import { ConnectError, defineDb, disposeAll } from '../src/index.js'
import { failure } from './support/leaks.js'
import { CERT_USER } from './support/tls-pki.js'
import { describeTls } from './support/tls-servers.js'

describeTls('ssl.cert and ssl.key: a client certificate', (t) => {
  afterEach(() => disposeAll())
  const userOf = async (db: ReturnType<typeof defineDb>) =>
    String((await sql<{ u: string }>`SELECT current_user AS u`.execute(db.kysely)).rows[0]!.u).replace(/@.*$/, '')

  it('as PEM strings', async () => {
    const db = defineDb({ url: t.server.url({ user: CERT_USER, password: null }), ssl: { ca: t.pki.ca, cert: t.pki.clientCert, key: t.pki.clientKey } })
    expect(await userOf(db)).toBe(CERT_USER)
  })

  it('as Buffers', async () => {
    const db = defineDb({
      url: t.server.url({ user: CERT_USER, password: null }),
      ssl: { ca: Buffer.from(t.pki.ca), cert: Buffer.from(t.pki.clientCert), key: Buffer.from(t.pki.clientKey) },
    })
    expect(await userOf(db)).toBe(CERT_USER)
  })

  it('without the certificate the same user is refused', async () => {
    const db = defineDb({ url: t.server.url({ user: CERT_USER, password: null }), ssl: { ca: t.pki.ca } })
    expect(await failure(() => sql`SELECT 1`.execute(db.kysely))).toBeInstanceOf(ConnectError)
  })
})
