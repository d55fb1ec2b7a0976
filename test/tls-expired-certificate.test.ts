/**
 * A server whose certificate expired (signed by the right CA, valid in January 2020 only): a non-retryable
 * ConnectError that says the certificate has expired, even though the chain and the host name are right.
 */
import { afterEach, expect, it } from 'vitest'
import { sql } from 'kysely'
import { ConnectError, defineDb, disposeAll } from '../src/index.js'
import { failure } from './support/leaks.js'
import { describeTls } from './support/tls-servers.js'

describeTls('ssl: an expired server certificate', (t) => {
  afterEach(() => disposeAll())

  it('is a non-retryable ConnectError that says the certificate expired', async () => {
    const db = defineDb({ url: t.server.url(), ssl: { ca: t.pki.ca } })
    const err = await failure(() => db.scope((tx) => sql`SELECT 1`.execute(tx), { retry: { attempts: 3 } }))
    expect(err).toBeInstanceOf(ConnectError)
    expect((err as ConnectError).retryable).toBe(false)
    expect((err as Error).message).toMatch(/TLS/)
    expect((err as Error).message).toMatch(/expired/)
    expect((err as Error).message).not.toMatch(/host name/)
  })
}, { certificate: 'expired' })
