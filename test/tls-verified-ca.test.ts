/**
 * `ssl: { ca }` with the server's CA, as a PEM string or a Buffer: the connection is encrypted and fully verified
 * (chain and host name: the server is reached as `localhost`, the name in its certificate), on both dialects.
 */
import { afterEach, expect, it } from 'vitest'
import { sql } from 'kysely'
import { defineDb, disposeAll } from '../src/index.js'
import { describeTls, tlsVersionOf } from './support/tls-servers.js'

describeTls('ssl.ca: the right CA', (t) => {
  afterEach(() => disposeAll())

  it('as a PEM string: every connection of the pool is encrypted', async () => {
    const db = defineDb({ url: t.server.url(), ssl: { ca: t.pki.ca }, pool: { max: 3 } })
    const versions = await Promise.all([1, 2, 3].map(() => db.scope(async (tx) => {
      const v = await tlsVersionOf(t.kind, tx)
      await sql`SELECT 1`.execute(tx)
      return v
    })))
    expect(versions).toHaveLength(3)
    for (const v of versions) expect(v).toMatch(/^TLSv1\.[23]$/)
  })

  it('as a Buffer', async () => {
    const db = defineDb({ url: t.server.url(), ssl: { ca: Buffer.from(t.pki.ca) } })
    expect(await tlsVersionOf(t.kind, db.kysely)).toMatch(/^TLSv1\.[23]$/)
  })

  it('as a list of CAs, the right one among them', async () => {
    const db = defineDb({ url: t.server.url(), ssl: { ca: [t.pki.wrongCa, Buffer.from(t.pki.ca)] } })
    expect(await tlsVersionOf(t.kind, db.kysely)).toMatch(/^TLSv1\.[23]$/)
  })

  it('a scope commits over TLS, as the user with the special password', async () => {
    const db = defineDb({ url: t.server.url(), ssl: { ca: t.pki.ca } })
    await db.scope(async (tx) => {
      await sql`CREATE TABLE IF NOT EXISTS tls_verified (id int PRIMARY KEY)`.execute(tx)
      await sql`DELETE FROM tls_verified`.execute(tx)
      await sql`INSERT INTO tls_verified (id) VALUES (7)`.execute(tx)
    })
    const rows = (await sql<{ id: number; u: string }>`SELECT id, current_user AS u FROM tls_verified`.execute(db.kysely)).rows
    expect(rows.map((r) => r.id)).toEqual([7])
    expect(String(rows[0]!.u)).toMatch(new RegExp(`^${t.server.user}(@|$)`))
  })
})
