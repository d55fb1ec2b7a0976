/**
 * The TLS test servers themselves, through the bare drivers: they accept the test CA's certificate over TLS, refuse
 * plain connections from the application user, and present exactly the certificate the other TLS tests rely on.
 */
import { X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { Socket } from 'node:net'
import { connect, type TLSSocket } from 'node:tls'
import { expect, it } from 'vitest'
import mysql from 'mysql2/promise'
import pg from 'pg'
import { describeTls } from './support/tls-servers.js'

describeTls('the TLS test server', (t) => {
  it('accepts the password user over verified TLS at localhost, with the special password unescaped', async () => {
    const { server, pki } = t
    if (t.kind === 'postgres') {
      const c = new pg.Client({ host: 'localhost', port: server.port, user: server.user, password: server.password, database: server.database, ssl: { ca: pki.ca } })
      await c.connect()
      try {
        expect((await c.query('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()')).rows[0].ssl).toBe(true)
      } finally {
        await c.end()
      }
    } else {
      const c = await mysql.createConnection({ host: 'localhost', port: server.port, user: server.user, password: server.password, database: server.database, ssl: { ca: pki.ca, verifyIdentity: true } })
      try {
        const [rows] = await c.query(`SHOW SESSION STATUS LIKE 'Ssl_version'`)
        expect((rows as { Value: string }[])[0]!.Value).toMatch(/^TLSv1\.[23]$/)
      } finally {
        await c.end()
      }
    }
  })

  it('refuses the password user without TLS', async () => {
    const { server } = t
    const attempt =
      t.kind === 'postgres'
        ? (async () => {
            const c = new pg.Client({ host: '127.0.0.1', port: server.port, user: server.user, password: server.password, database: server.database })
            c.on('error', () => undefined)
            await c.connect()
            await c.end()
          })()
        : mysql.createConnection({ host: '127.0.0.1', port: server.port, user: server.user, password: server.password, database: server.database }).then((c) => c.end())
    await expect(attempt).rejects.toThrow(t.kind === 'postgres' ? /no encryption/ : /Access denied/)
  })

  it('presents a certificate for DNS:localhost only, signed by the test CA and not by the wrong one', async () => {
    const cert = new X509Certificate(readFileSync(t.pki.serverCertPath))
    expect(cert.subjectAltName).toBe('DNS:localhost')
    expect(cert.checkIssued(new X509Certificate(t.pki.ca))).toBe(true)
    expect(cert.checkIssued(new X509Certificate(t.pki.wrongCa))).toBe(false)
    expect(new Date(new X509Certificate(readFileSync(t.pki.expiredCertPath)).validTo).getTime()).toBeLessThan(Date.now())
  })

  it('serves that certificate (fetched over the wire)', async () => {
    const cert = new X509Certificate(readFileSync(t.pki.serverCertPath))
    const served = t.kind === 'postgres' ? await pgPeerCertificate(t.server.port) : await mysqlPeerCertificate(t.server.port, t.server.user, t.server.password)
    expect(served.fingerprint256).toBe(cert.fingerprint256)
  })
})

/** PostgreSQL's certificate: an SSLRequest, then a TLS handshake that checks nothing. */
function pgPeerCertificate(port: number): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const sock = new Socket()
    sock.connect(port, '127.0.0.1', () => {
      sock.write(Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f])) // SSLRequest
      sock.once('data', (b: Buffer) => {
        if (b.toString() !== 'S') return reject(new Error(`SSLRequest answered ${b.toString()}`))
        const tls = connect({ socket: sock, rejectUnauthorized: false }, () => {
          resolve(new X509Certificate(tls.getPeerCertificate(false).raw))
          tls.destroy()
        })
        tls.on('error', reject)
      })
    })
    sock.on('error', reject)
  })
}

/** MariaDB's certificate: mysql2 upgrades its socket inside the handshake; read it from there. */
async function mysqlPeerCertificate(port: number, user: string, password: string): Promise<X509Certificate> {
  const c = await mysql.createConnection({ host: '127.0.0.1', port, user, password, ssl: { rejectUnauthorized: false } })
  try {
    const stream = (c as unknown as { connection: { stream: TLSSocket } }).connection.stream
    return new X509Certificate(stream.getPeerCertificate(false).raw)
  } finally {
    await c.end()
  }
}
