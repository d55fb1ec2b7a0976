/**
 * A certificate chain that cannot be verified, because the CA given is the wrong one or none is given (Node's
 * default roots do not know the test CA), is a non-retryable ConnectError that says the chain check failed.
 */
import { afterEach, expect, it } from 'vitest'
import { sql } from 'kysely'
import { ConnectError, defineDb, disposeAll } from '../src/index.js'
import { failure } from './support/leaks.js'
import { describeTls } from './support/tls-servers.js'

function expectChainFailure(err: unknown): void {
  expect(err).toBeInstanceOf(ConnectError)
  expect((err as ConnectError).retryable).toBe(false)
  expect((err as Error).message).toMatch(/TLS/)
  expect((err as Error).message).toMatch(/certificate chain/)
  expect((err as Error).message).not.toMatch(/host name|expired/)
}

describeTls('ssl.ca: a wrong or missing CA', (t) => {
  afterEach(() => disposeAll())

  it('the wrong CA', async () => {
    const db = defineDb({ url: t.server.url(), ssl: { ca: t.pki.wrongCa } })
    expectChainFailure(await failure(() => sql`SELECT 1`.execute(db.kysely)))
  })

  it('no CA: ssl: {} verifies against Node\'s default roots, which do not hold the test CA', async () => {
    const db = defineDb({ url: t.server.url(), ssl: {} })
    expectChainFailure(await failure(() => sql`SELECT 1`.execute(db.kysely)))
  })

  it('is not retried by a scope\'s retry, and the pool holds no connection afterwards', async () => {
    const db = defineDb({ url: t.server.url(), ssl: { ca: t.pki.wrongCa } })
    let attempts = 0
    const err = await failure(() => db.scope(async (tx) => {
      attempts++
      await sql`SELECT 1`.execute(tx)
    }, { retry: { attempts: 3 } }))
    expectChainFailure(err)
    expect(attempts).toBe(1)
    expect(db.stats()).toMatchObject({ total: 0, busy: 0 })
  })
})
