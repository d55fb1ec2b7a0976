/**
 * Failover with the connection-object shape: `hosts: [{ host, port }, …]` with `targetSessionAttrs: 'read-write'`
 * tries each host in turn, as a multi-host URL does (PostgreSQL only), and the TLS settings apply to every host.
 */
import { afterEach, expect, it } from 'vitest'
import { sql } from 'kysely'
import { ConfigError, ConnectError, defineDb, disposeAll } from '../src/index.js'
import { freePort } from './support/throwaway-server.js'
import { expectAbsent, failure } from './support/leaks.js'
import { describeTls, SPECIAL_PASSWORD, tlsVersionOf } from './support/tls-servers.js'

describeTls('connection objects: hosts', (t) => {
  afterEach(() => disposeAll())
  const base = () => ({ dialect: 'postgres' as const, user: t.server.user, password: SPECIAL_PASSWORD, database: t.server.database })

  it('a dead first host is skipped; the next one answers, over verified TLS', async () => {
    const dead = await freePort()
    const db = defineDb({
      connection: { ...base(), hosts: [{ host: 'localhost', port: dead }, { host: 'localhost', port: t.server.port }], targetSessionAttrs: 'read-write' },
      ssl: { ca: t.pki.ca },
    })
    expect(await tlsVersionOf('postgres', db.kysely)).toMatch(/^TLSv1\.[23]$/)
  })

  it('no host answers: a ConnectError naming each host, and no password', async () => {
    const [a, b] = [await freePort(), await freePort()]
    const db = defineDb({ connection: { ...base(), hosts: [{ host: 'localhost', port: a }, { host: '127.0.0.1', port: b }] }, ssl: { ca: t.pki.ca }, pool: { connectTimeoutMs: 1_000 } })
    const err = await failure(() => sql`SELECT 1`.execute(db.kysely))
    expect(err).toBeInstanceOf(ConnectError)
    expect((err as Error).message).toContain(`localhost:${a}`)
    expect((err as Error).message).toContain(`127.0.0.1:${b}`)
    expectAbsent('multi-host error', [String((err as Error).message), JSON.stringify(db)], [SPECIAL_PASSWORD, encodeURIComponent(SPECIAL_PASSWORD)])
  })

  it('host and hosts together, and hosts on MySQL, are ConfigErrors', () => {
    const both = () => defineDb({ connection: { ...base(), host: 'localhost', hosts: [{ host: 'localhost', port: 1 }] } })
    expect(both).toThrow(ConfigError)
    expect(both).toThrow(/host.*hosts/)
    const mysqlHosts = () => defineDb({ connection: { ...base(), dialect: 'mysql', hosts: [{ host: 'localhost', port: 1 }, { host: 'localhost', port: 2 }] } })
    expect(mysqlHosts).toThrow(ConfigError)
    expect(mysqlHosts).toThrow(/PostgreSQL only/)
  })
}, { kinds: ['postgres'] })
