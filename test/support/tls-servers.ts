/**
 * Throwaway PostgreSQL and MariaDB servers that require TLS, with certificates from a test PKI (see tls-pki.ts):
 * - PostgreSQL: `ssl = on`, and a pg_hba.conf of `hostssl … cert` for the client-certificate role,
 *   `hostssl all all 127.0.0.1/32 scram-sha-256` and `hostnossl all all 0.0.0.0/0 reject` (admin: the Unix socket);
 * - MariaDB: `--ssl-ca/--ssl-cert/--ssl-key`, the user `REQUIRE SSL`, the client-certificate user `REQUIRE SUBJECT`
 *   (admin: root over plain TCP).
 * On each, the login `dbscope_tls` has a password with every character a URL or a SQL literal cares about, and owns
 * the database `app`. The server (and its database) is deleted afterwards.
 *
 * @example
 * describeTls('right CA', (t) => {
 *   it('connects', async () => { const db = defineDb({ url: t.server.url(), ssl: { ca: t.pki.ca } }) … })
 * })
 */
import { chmodSync, copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe } from 'vitest'
import mysql from 'mysql2/promise'
import pg from 'pg'
import { sql, type Kysely } from 'kysely'
import { disposeAll } from '../../src/index.js'
import { chownTo, isRoot, startThrowawayMariadb, startThrowawayPostgres } from './throwaway-server.js'
import { CERT_USER, createTestPki, type TestPki } from './tls-pki.js'

/** Every character that URL-encoding or SQL quoting changes, and spaces: `@ : / % # ? & ' " \`. */
export const SPECIAL_PASSWORD = `p@ss:w/o%2Frd# ?x=1&y 'single' "double" \\back\\slash end`
export const TLS_USER = 'dbscope_tls'
export const TLS_DATABASE = 'app'

export type TlsKind = 'postgres' | 'mysql'

export interface TlsServer {
  readonly kind: TlsKind
  readonly port: number
  /** `dbscope_tls`, which logs in with a password (over TLS only). */
  readonly user: string
  /** Its password right now (see setPassword). */
  readonly password: string
  readonly database: string
  /**
   * A URL for `user` with the password percent-encoded, at `localhost` (the name in the certificate) unless `host`
   * says otherwise; `query` is appended as given.
   */
  url(o?: { host?: string; user?: string; password?: string | null; query?: string }): string
  /** Runs SQL as the superuser, over a channel the server accepts without TLS; in `database` when given. */
  admin<R = Record<string, unknown>>(text: string, params?: readonly unknown[], database?: string): Promise<R[]>
  /** Changes `user`'s password on the server (existing sessions stay open). */
  setPassword(password: string): Promise<void>
  /** How many sessions `user` (default: `dbscope_tls`) has open right now. */
  sessions(user?: string): Promise<number>
  stop(): Promise<void>
}

/** Server-side copies of the certificate and key, owned by the server's OS user (a key must be 0600). */
function serverFiles(pki: TestPki, certificate: 'valid' | 'expired'): { dir: string; ca: string; cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'dbscope-tls-'))
  const ca = join(dir, 'ca.pem')
  const cert = join(dir, 'server.pem')
  const key = join(dir, 'server.key')
  copyFileSync(pki.caPath, ca)
  copyFileSync(certificate === 'expired' ? pki.expiredCertPath : pki.serverCertPath, cert)
  copyFileSync(pki.serverKeyPath, key)
  chmodSync(key, 0o600)
  return { dir, ca, cert, key }
}

async function giveTo(owner: string, files: { dir: string; ca: string; cert: string; key: string }, extra: string[] = []): Promise<void> {
  if (!isRoot()) return
  for (const p of [files.dir, files.ca, files.cert, files.key, ...extra]) await chownTo(owner, p)
}

function urlFor(scheme: string, port: number, user: string, password: string | null, o: { host?: string; query?: string }): string {
  const auth = password === null ? encodeURIComponent(user) : `${encodeURIComponent(user)}:${encodeURIComponent(password)}`
  return `${scheme}://${auth}@${o.host ?? 'localhost'}:${port}/${TLS_DATABASE}${o.query ? `?${o.query}` : ''}`
}

/** A PostgreSQL 15 that accepts only TLS from TCP clients. */
export async function startTlsPostgres(pki: TestPki, options: { certificate?: 'valid' | 'expired' } = {}): Promise<TlsServer> {
  const files = serverFiles(pki, options.certificate ?? 'valid')
  const hba = join(files.dir, 'pg_hba.conf')
  writeFileSync(
    hba,
    [
      'local all all trust',
      `hostssl all ${CERT_USER} 127.0.0.1/32 cert`,
      'hostssl all all 127.0.0.1/32 scram-sha-256',
      'hostnossl all all 0.0.0.0/0 reject',
      '',
    ].join('\n'),
  )
  await giveTo('postgres', files, [hba])
  const server = await startThrowawayPostgres({
    settings: { ssl: 'on', ssl_ca_file: files.ca, ssl_cert_file: files.cert, ssl_key_file: files.key, hba_file: hba },
  }).catch((err: unknown) => {
    rmSync(files.dir, { recursive: true, force: true })
    throw err
  })
  const admin = async <R>(text: string, params: readonly unknown[] = [], database = 'postgres'): Promise<R[]> => {
    const c = new pg.Client({ host: server.dir, port: server.port, user: 'postgres', database })
    await c.connect()
    try {
      return (await c.query(text, [...params])).rows as R[]
    } finally {
      await c.end()
    }
  }
  let password = SPECIAL_PASSWORD
  const setPassword = async (pw: string) => {
    await admin(`ALTER ROLE ${TLS_USER} PASSWORD ${pg.Client.prototype.escapeLiteral(pw)}`)
    password = pw
  }
  await admin(`CREATE ROLE ${TLS_USER} LOGIN`)
  await setPassword(SPECIAL_PASSWORD)
  await admin(`CREATE ROLE ${CERT_USER} LOGIN`)
  await admin(`CREATE DATABASE ${TLS_DATABASE} OWNER ${TLS_USER}`)
  return {
    kind: 'postgres',
    port: server.port,
    user: TLS_USER,
    get password() {
      return password
    },
    database: TLS_DATABASE,
    url: (o = {}) => urlFor('postgres', server.port, o.user ?? TLS_USER, o.password === undefined ? password : o.password, o),
    admin,
    setPassword,
    async sessions(user = TLS_USER) {
      const rows = await admin<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE usename = $1', [user])
      return Number(rows[0]!.n)
    },
    async stop() {
      await server.stop()
      rmSync(files.dir, { recursive: true, force: true })
    },
  }
}

/** A MariaDB whose application users must use TLS (root, the admin, may still connect in plain text). */
export async function startTlsMariadb(pki: TestPki, options: { certificate?: 'valid' | 'expired' } = {}): Promise<TlsServer> {
  const files = serverFiles(pki, options.certificate ?? 'valid')
  await giveTo('mysql', files)
  const server = await startThrowawayMariadb({
    grantTables: true,
    args: [`--ssl-ca=${files.ca}`, `--ssl-cert=${files.cert}`, `--ssl-key=${files.key}`],
  }).catch((err: unknown) => {
    rmSync(files.dir, { recursive: true, force: true })
    throw err
  })
  const admin = async <R>(text: string, params: readonly unknown[] = [], database?: string): Promise<R[]> => {
    const c = await mysql.createConnection({ uri: server.url, ...(database ? { database } : {}) })
    try {
      return (await c.query(text, [...params]))[0] as R[]
    } finally {
      await c.end()
    }
  }
  let password = SPECIAL_PASSWORD
  const setPassword = async (pw: string) => {
    await admin(`ALTER USER '${TLS_USER}'@'%' IDENTIFIED BY ?`, [pw])
    password = pw
  }
  // Anonymous users (''@localhost) would match before 'dbscope_tls'@'%' for connections from localhost.
  for (const row of await admin<{ Host: string }>(`SELECT Host FROM mysql.user WHERE User = ''`)) await admin(`DROP USER ''@?`, [row.Host])
  await admin(`CREATE DATABASE ${TLS_DATABASE}`)
  await admin(`CREATE USER '${TLS_USER}'@'%' IDENTIFIED BY ? REQUIRE SSL`, [SPECIAL_PASSWORD])
  await admin(`CREATE USER '${CERT_USER}'@'%' REQUIRE SUBJECT '/CN=${CERT_USER}' AND ISSUER '/CN=dbscope test CA'`)
  for (const u of [TLS_USER, CERT_USER]) await admin(`GRANT ALL ON ${TLS_DATABASE}.* TO '${u}'@'%'`)
  return {
    kind: 'mysql',
    port: server.port,
    user: TLS_USER,
    get password() {
      return password
    },
    database: TLS_DATABASE,
    url: (o = {}) => urlFor('mysql', server.port, o.user ?? TLS_USER, o.password === undefined ? password : o.password, o),
    admin,
    setPassword,
    async sessions(user = TLS_USER) {
      const rows = await admin<{ n: number }>('SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE USER = ?', [user])
      return Number(rows[0]!.n)
    },
    async stop() {
      await server.stop()
      rmSync(files.dir, { recursive: true, force: true })
    },
  }
}

/** The TLS protocol version of the session a query runs in (`TLSv1.3`), or null for a plain connection. */
export async function tlsVersionOf(kind: TlsKind, db: Kysely<any>): Promise<string | null> {
  const text =
    kind === 'postgres'
      ? 'SELECT version AS v FROM pg_stat_ssl WHERE pid = pg_backend_pid()'
      : `SELECT VARIABLE_VALUE AS v FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'Ssl_version'`
  const v = (await sql.raw<{ v: string | null }>(text).execute(db)).rows[0]?.v
  return v ? v : null
}

export interface TlsTarget {
  readonly kind: TlsKind
  /** This describe's PKI (its own CA, server, client and wrong-CA certificates). */
  readonly pki: TestPki
  readonly server: TlsServer
}

/**
 * Runs `body` once per kind, each with its own PKI and TLS server (started in beforeAll, deleted in afterAll, after
 * every db is disposed). `certificate: 'expired'` makes the server present a certificate that expired in 2020.
 */
export function describeTls(
  title: string,
  body: (t: TlsTarget) => void,
  options: { kinds?: readonly TlsKind[]; certificate?: 'valid' | 'expired' } = {},
): void {
  for (const kind of options.kinds ?? (['postgres', 'mysql'] as const)) {
    describe(`${title} [${kind}]`, () => {
      let pki: TestPki | undefined
      let server: TlsServer | undefined
      beforeAll(async () => {
        pki = createTestPki()
        const start = kind === 'postgres' ? startTlsPostgres : startTlsMariadb
        server = await start(pki, { certificate: options.certificate ?? 'valid' })
      }, 120_000)
      afterAll(async () => {
        await disposeAll()
        await server?.stop()
        pki?.remove()
      })
      const started = <T>(v: T | undefined): T => {
        if (v === undefined) throw new Error('describeTls: read t.server / t.pki inside a test or hook, after beforeAll ran')
        return v
      }
      body({
        kind,
        get pki() {
          return started(pki)
        },
        get server() {
          return started(server)
        },
      })
    })
  }
}
