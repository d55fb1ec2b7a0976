/**
 * `ssl: { rejectUnauthorized: false }` encrypts without verifying anything (here: no CA, and an address the
 * certificate does not name), and says so once per db through its logger, however many connections it opens.
 */
import { afterEach, expect, it } from 'vitest'
import { sql } from 'kysely'
import { defineDb, disposeAll } from '../src/index.js'
import { describeTls, tlsVersionOf } from './support/tls-servers.js'

describeTls('ssl.rejectUnauthorized: false', (t) => {
  afterEach(() => disposeAll())

  it('connects over TLS without verification and warns exactly once', async () => {
    const logs: string[] = []
    const db = defineDb({
      url: t.server.url({ host: '127.0.0.1' }),
      ssl: { rejectUnauthorized: false },
      pool: { max: 3 },
      guard: { budget: 'off' },
      logger: { warn: (m) => void logs.push(m) },
    })
    const versions = await Promise.all([1, 2, 3].map(() => db.scope(async (tx) => {
      const v = await tlsVersionOf(t.kind, tx)
      await sql`SELECT 1`.execute(tx)
      return v
    })))
    for (const v of versions) expect(v).toMatch(/^TLSv1\.[23]$/)
    expect(db.stats().total).toBe(3)
    await sql`SELECT 1`.execute(db.kysely)
    const warnings = logs.filter((l) => /rejectUnauthorized/.test(l))
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/not verif/)
  })

  it('with the right CA, rejectUnauthorized: true (the default) says nothing', async () => {
    const logs: string[] = []
    const db = defineDb({ url: t.server.url(), ssl: { ca: t.pki.ca, rejectUnauthorized: true }, guard: { budget: 'off' }, logger: { warn: (m) => void logs.push(m) } })
    expect(await tlsVersionOf(t.kind, db.kysely)).toMatch(/^TLSv1\.[23]$/)
    expect(logs).toEqual([])
  })
})
