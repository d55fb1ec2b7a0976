/**
 * A multi-host URL whose hosts present a certificate that cannot be verified (the CA given is the wrong one) fails
 * with the real reason, per host: `tls`, naming the check (chain; host name), not "no writable primary answered".
 * With only TLS failures it is not retryable; with a host that is merely down besides, it is.
 */
import { afterEach, expect, it } from 'vitest'
import { sql } from 'kysely'
import { ConnectError, defineDb, disposeAll } from '../src/index.js'
import { failure } from './support/leaks.js'
import { freePort } from './support/throwaway-server.js'
import { describeTls, SPECIAL_PASSWORD } from './support/tls-servers.js'

describeTls(
  'multi-host URL, certificates that fail verification',
  (t) => {
    afterEach(() => disposeAll())

    const hostsUrl = (hosts: string[]) => {
      const one = new URL(t.server.url())
      return `postgres://${one.username}:${one.password}@${hosts.join(',')}${one.pathname}?target_session_attrs=read-write`
    }

    it('the wrong CA on every host: reason tls (chain), not retryable, and the password appears nowhere', async () => {
      const hosts = [`localhost:${t.server.port}`, `localhost:${t.server.port}`]
      const db = defineDb({ url: hostsUrl(hosts), ssl: { ca: t.pki.wrongCa } })
      const err = (await failure(() => db.scope((tx) => sql`SELECT 1`.execute(tx)))) as ConnectError
      expect(err).toBeInstanceOf(ConnectError)
      expect(err.hosts?.map((h) => [h.reason, h.tlsCheck])).toEqual([['tls', 'chain'], ['tls', 'chain']])
      expect(err.retryable).toBe(false)
      expect(err.message).toMatch(/TLS certificate chain check failed/)
      expect(`${err.message} ${JSON.stringify(err.hosts)}`).not.toContain(SPECIAL_PASSWORD)
      expect(`${err.message} ${JSON.stringify(err.hosts)}`).not.toContain(encodeURIComponent(SPECIAL_PASSWORD))
    })

    it('a host name the certificate does not list on one host, nothing listening on the other: retryable', async () => {
      const dead = `127.0.0.1:${await freePort()}`
      const db = defineDb({ url: hostsUrl([`127.0.0.1:${t.server.port}`, dead]), ssl: { ca: t.pki.ca }, pool: { connectTimeoutMs: 2_000 } })
      const err = (await failure(() => db.scope((tx) => sql`SELECT 1`.execute(tx)))) as ConnectError
      expect(err).toBeInstanceOf(ConnectError)
      expect(err.hosts?.map((h) => [h.host, h.reason, h.tlsCheck])).toEqual([
        [`127.0.0.1:${t.server.port}`, 'tls', 'host-name'],
        [dead, 'refused', undefined],
      ])
      expect(err.retryable).toBe(true)
    })
  },
  { kinds: ['postgres'] },
)
