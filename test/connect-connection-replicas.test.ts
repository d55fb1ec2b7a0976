/**
 * `replicas` take connection objects as well as URLs; the db's TLS settings apply to them, and replicaHealth()
 * prints them without the password. (The primary is the same server reached as 127.0.0.1, with
 * `ssl.servername: 'localhost'`, so that primary and replica are different engines.)
 */
import { afterEach, expect, it } from 'vitest'
import { defineDb, disposeAll } from '../src/index.js'
import { expectAbsent } from './support/leaks.js'
import { describeTls, SPECIAL_PASSWORD, tlsVersionOf } from './support/tls-servers.js'

describeTls('connection objects: replicas', (t) => {
  afterEach(() => disposeAll())
  const object = () => ({ dialect: t.kind, host: 'localhost', port: t.server.port, user: t.server.user, password: SPECIAL_PASSWORD, database: t.server.database })

  it('db.replica reads over TLS from a replica given as a connection object', async () => {
    const db = defineDb({ url: t.server.url({ host: '127.0.0.1' }), ssl: { ca: t.pki.ca, servername: 'localhost' }, replicas: [object()] })
    expect(await tlsVersionOf(t.kind, db.replica)).toMatch(/^TLSv1\.[23]$/)
    expect(db.stats().total).toBe(0) // the read went to the replica's pool, not the primary's
    const health = db.replicaHealth()
    expect(health).toHaveLength(1)
    expect(health[0]!.healthy).toBe(true)
    expect(health[0]!.url).toContain(`localhost:${t.server.port}`)
    expectAbsent('replicaHealth', [JSON.stringify(health), JSON.stringify(db)], [SPECIAL_PASSWORD, encodeURIComponent(SPECIAL_PASSWORD)])
  })

  it('a primary given as a connection object takes URL replicas too', async () => {
    const db = defineDb({ connection: object(), ssl: { ca: t.pki.ca, servername: 'localhost' }, replicas: [t.server.url({ host: '127.0.0.1' })] })
    expect(await tlsVersionOf(t.kind, db.replica)).toMatch(/^TLSv1\.[23]$/)
    expect(db.stats().total).toBe(0)
    expect(await tlsVersionOf(t.kind, db.kysely)).toMatch(/^TLSv1\.[23]$/)
    expect(db.stats().total).toBe(1)
  })
})
