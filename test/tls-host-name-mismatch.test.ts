/**
 * Host-name verification: the server's certificate names only `localhost`, so reaching it as 127.0.0.1 with the
 * right CA fails with a non-retryable ConnectError that says the host-name check failed; `ssl.servername` names the
 * host to check instead.
 */
import { afterEach, expect, it } from 'vitest'
import { sql } from 'kysely'
import { ConnectError, defineDb, disposeAll } from '../src/index.js'
import { failure } from './support/leaks.js'
import { describeTls, tlsVersionOf } from './support/tls-servers.js'

describeTls('ssl: host-name mismatch', (t) => {
  afterEach(() => disposeAll())

  it('127.0.0.1 is not in the certificate: a non-retryable ConnectError naming the host-name check', async () => {
    const db = defineDb({ url: t.server.url({ host: '127.0.0.1' }), ssl: { ca: t.pki.ca } })
    const err = await failure(() => sql`SELECT 1`.execute(db.kysely))
    expect(err).toBeInstanceOf(ConnectError)
    expect((err as ConnectError).retryable).toBe(false)
    expect((err as Error).message).toMatch(/TLS/)
    expect((err as Error).message).toMatch(/host name/)
    expect((err as Error).message).toContain('127.0.0.1')
    expect((err as Error).message).not.toMatch(/certificate chain|expired/)
  })

  it('ssl.servername: localhost makes the same address pass', async () => {
    const db = defineDb({ url: t.server.url({ host: '127.0.0.1' }), ssl: { ca: t.pki.ca, servername: 'localhost' } })
    expect(await tlsVersionOf(t.kind, db.kysely)).toMatch(/^TLSv1\.[23]$/)
  })

  it('ssl.servername that the certificate does not name fails even at localhost', async () => {
    const db = defineDb({ url: t.server.url(), ssl: { ca: t.pki.ca, servername: 'db.example.com' } })
    const err = await failure(() => sql`SELECT 1`.execute(db.kysely))
    expect(err).toBeInstanceOf(ConnectError)
    expect((err as Error).message).toMatch(/host name/)
    expect((err as Error).message).toContain('db.example.com')
  })
})
