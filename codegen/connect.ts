/**
 * Opens the database dbgen reflects: a server by URL (drivers imported lazily: `pg` for postgres URLs, `mysql2`
 * for mysql/mariadb URLs), or an in-process PGlite built from SQL files (`--from-sql`, PGlite imported only then).
 * The drivers are optional peers: a missing one is a DBGEN_CONFIG error naming the install command. Connection
 * failures become {@link DbgenError}s with the password redacted.
 *
 * @example
 * const source = await openSource({ url: 'postgres://app@localhost/app' })
 * try { await reflectPostgres(source.executor) } finally { await source.close() }
 */
import { readdir, readFile, stat } from 'node:fs/promises'
import { join, relative } from 'node:path'
import type { ConnectionOptions } from 'node:tls'
import type Pg from 'pg'
import { DRIVER_PACKAGES, isMissingPackage } from '../src/dialects/driver-packages.js'
import { isSocketError } from '../src/dialects/socket-errors.js'
import { ConfigError } from '../src/errors.js'
import { tlsFailure } from '../src/tls/failure.js'
import { mysqlTls } from '../src/tls/mysql.js'
import { nodeTlsOptions, type SslOptions } from '../src/tls/options.js'
import { postgresTls } from '../src/tls/postgres-url.js'
import { schemeDialect } from '../src/url.js'
import { DbgenError, redactUrl } from './errors.js'
import type { Dialect } from './model.js'
import type { SqlExecutor } from './reflect/executor.js'

/** An open database to reflect. */
export interface Source {
  readonly executor: SqlExecutor
  readonly dialect: Dialect
  /** What to call it in messages (URL with the password redacted, or the SQL files). */
  readonly label: string
  close(): Promise<void>
}

/** Where to reflect from: exactly one of `url` and `fromSql`; `ssl` as defineDb takes it (PEM text or Buffers). */
export interface SourceOptions {
  readonly url?: string
  readonly fromSql?: readonly string[]
  readonly ssl?: SslOptions | undefined
}

/** Runs a runtime TLS helper, turning its ConfigError into dbgen's DBGEN_CONFIG. */
async function tlsSetting<T>(f: () => T | Promise<T>): Promise<T> {
  try {
    return await f()
  } catch (err) {
    if (err instanceof ConfigError) throw new DbgenError('DBGEN_CONFIG', err.message, { cause: err })
    throw err
  }
}

/** Imports a driver package; a missing one becomes DBGEN_CONFIG with the command that installs what `needs` needs. */
async function importDriver<T>(packages: readonly string[], needs: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load()
  } catch (err) {
    if (isMissingPackage(err, packages)) throw new DbgenError('DBGEN_CONFIG', `${needs}: npm install ${packages.join(' ')}.`, { cause: err })
    throw err
  }
}

/** The server dialect a database URL names by its scheme (`postgres:`/`postgresql:`, `mysql:`/`mariadb:`), if any. */
export function urlDialect(url: string): Dialect | undefined {
  const dialect = schemeDialect(url)
  return dialect === 'pglite' ? undefined : dialect
}

/** Opens the source and checks that it answers. */
export async function openSource(o: SourceOptions): Promise<Source> {
  if (o.fromSql && o.fromSql.length > 0) return openPglite(o.fromSql)
  if (!o.url) {
    throw new DbgenError('DBGEN_NO_URL', 'No database to read. Pass --url, set DATABASE_URL (or put it in .env), or use --from-sql <files>.')
  }
  const dialect = urlDialect(o.url)
  if (dialect === 'postgres') return openPostgres(o.url, o.ssl)
  if (dialect === 'mysql') return openMysql(o.url, o.ssl)
  throw new DbgenError('DBGEN_USAGE', `Unsupported database URL ${redactUrl(o.url)}: expected postgres://, postgresql://, mysql:// or mariadb://.`)
}

/**
 * Imports pg without loading undici. On Node 20 (no `navigator`) pg probes for Cloudflare Workers by constructing a
 * fetch `Response`, which loads undici: ~5 MB RSS and ~20 ms for nothing. A `navigator` stub during the import
 * makes that probe answer "no" directly.
 */
async function importPg(): Promise<typeof Pg> {
  const g = globalThis as { navigator?: unknown }
  const stub = g.navigator === undefined
  if (stub) Object.defineProperty(globalThis, 'navigator', { value: { userAgent: 'Node.js' }, configurable: true, writable: true })
  try {
    return (await importDriver(DRIVER_PACKAGES.postgres.packages, DRIVER_PACKAGES.postgres.need, () => import('pg'))).default
  } finally {
    if (stub) delete g.navigator
  }
}

/**
 * PostgreSQL through pg, with the runtime's TLS semantics (sslmode & co. read and stripped, as in defineDb).
 * `sslmode=prefer` is settled by one probe connection before the pool opens.
 */
async function openPostgres(url: string, ssl: SslOptions | undefined): Promise<Source> {
  const pg = await importPg()
  const label = redactUrl(url)
  const tls = await tlsSetting(() => postgresTls(url, ssl))
  let tlsOptions: ConnectionOptions | false = tls.settings ? await tlsSetting(() => nodeTlsOptions(tls.settings!)) : false
  const config = (ssl: ConnectionOptions | false) => ({ connectionString: tls.url, ssl, ...(ssl && tls.sslnegotiation ? { sslnegotiation: tls.sslnegotiation } : {}) })
  if (tls.fallbackToPlain && tlsOptions) {
    const probe = new pg.Client(config(tlsOptions))
    probe.on('error', () => undefined)
    await probe.connect().then(
      () => probe.end(),
      (err: unknown) => {
        if (tlsFailure(err)?.check !== 'no-tls') throw connectError(err, label)
        tlsOptions = false
      },
    )
  }
  const pool = new pg.Pool({ ...config(tlsOptions), max: POOL_SIZE, connectionTimeoutMillis: 10_000 })
  pool.on('error', () => undefined)
  // No separate connection check: the catalog queries open the pool's connections in parallel, and the first
  // failure is reported as a connection error.
  const executor: SqlExecutor = {
    async query(text, params) {
      try {
        return (await pool.query(text, [...params])).rows
      } catch (err) {
        throw isConnectionFailure(err) ? connectError(err, label) : new DbgenError('DBGEN_QUERY', `A catalog query failed on ${label}: ${(err as Error).message}.`, { cause: err })
      }
    },
  }
  return { executor, dialect: 'postgres', label, close: () => pool.end() }
}

/** MySQL/MariaDB through mysql2 (imported only for these URLs); `mariadb://` is read as `mysql://`. */
async function openMysql(url: string, ssl: SslOptions | undefined): Promise<Source> {
  const { default: mysql } = await importDriver(DRIVER_PACKAGES.mysql.packages, DRIVER_PACKAGES.mysql.need, () => import('mysql2'))
  const label = redactUrl(url)
  const uri = url.replace(/^mariadb:/i, 'mysql:')
  const tls = await tlsSetting(async () => mysqlTls(uri, ssl).connectOptions())
  let pool: ReturnType<typeof mysql.createPool>
  try {
    pool = mysql.createPool({ uri, connectionLimit: MYSQL_POOL_SIZE, connectTimeout: 10_000, ...tls })
  } catch (err) {
    throw connectError(err, label)
  }
  pool.on('connection', (c) => c.on('error', () => undefined))
  const end = () => new Promise<void>((resolve) => pool.end(() => resolve()))
  try {
    await new Promise<void>((resolve, reject) =>
      pool.getConnection((err, conn) => {
        if (err) return reject(err)
        conn.release()
        resolve()
      }),
    )
  } catch (err) {
    await end()
    throw connectError(err, label)
  }
  const executor: SqlExecutor = {
    query: <R>(text: string, params: readonly unknown[]) =>
      new Promise<R[]>((resolve, reject) => pool.query(text, [...params], (err, rows) => (err ? reject(err) : resolve(rows as R[])))),
  }
  return { executor, dialect: 'mysql', label, close: end }
}

/** MySQL's information_schema queries run in parallel over this many connections. */
const MYSQL_POOL_SIZE = Number(process.env.DBGEN_MYSQL_POOL_SIZE ?? 2)

/** Server answers that mean dbgen could not get in: bad credentials, no such database, too many clients, starting up. */
const REFUSED_SQLSTATES = new Set(['28P01', '28000', '3D000', '53300', '57P03'])

function isConnectionFailure(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | null
  return isSocketError(err) || REFUSED_SQLSTATES.has(e?.code ?? '') || /connect|Connection terminated/i.test(e?.message ?? '') || tlsFailure(err) !== undefined
}

/** Catalog queries run in parallel over this many connections (the columns query dominates; the rest fit beside it). */
const POOL_SIZE = Number(process.env.DBGEN_POOL_SIZE ?? 4)

/** Maps a driver error to a readable DbgenError (never including the password). */
export function connectError(err: unknown, label: string): DbgenError {
  const e = err as { code?: string; message?: string }
  const why = String(e?.message ?? err)
  const tls = tlsFailure(err)
  if (tls) return new DbgenError('DBGEN_CONNECT', `Cannot connect to ${label}: ${tls.message}`, { cause: err })
  if (e?.code === '28P01' || e?.code === '28000' || e?.code === 'ER_ACCESS_DENIED_ERROR') {
    return new DbgenError('DBGEN_AUTH', `Authentication failed for ${label}: ${why}. Check the user and password in the URL.`, { cause: err })
  }
  if (e?.code === '3D000' || e?.code === 'ER_BAD_DB_ERROR') {
    return new DbgenError('DBGEN_CONNECT', `Database does not exist at ${label}: ${why}. Create it or fix the URL.`, { cause: err })
  }
  return new DbgenError('DBGEN_CONNECT', `Cannot connect to ${label}: ${why || e?.code || 'unknown error'}. Is the server running and the URL right?`, { cause: err })
}

/** Expands directories to their `*.sql` files (sorted); files given directly keep their order. */
export async function sqlFiles(paths: readonly string[]): Promise<string[]> {
  const out: string[] = []
  for (const p of paths) {
    const s = await stat(p).catch(() => null)
    if (!s) throw new DbgenError('DBGEN_FROM_SQL', `--from-sql: ${p} does not exist.`)
    if (s.isDirectory()) {
      const names = (await readdir(p)).filter((n) => n.endsWith('.sql')).sort()
      out.push(...names.map((n) => join(p, n)))
    } else out.push(p)
  }
  if (out.length === 0) throw new DbgenError('DBGEN_FROM_SQL', `--from-sql: no .sql files in ${paths.join(', ')}.`)
  return out
}

async function openPglite(paths: readonly string[]): Promise<Source> {
  const files = await sqlFiles(paths)
  const { PGlite } = await importDriver(['@electric-sql/pglite'], 'dbgen --from-sql runs the SQL in PGlite, which needs @electric-sql/pglite', () => import('@electric-sql/pglite'))
  const pglite = new PGlite()
  for (const file of files) {
    const text = await readFile(file, 'utf8')
    try {
      await pglite.exec(text)
    } catch (err) {
      await pglite.close().catch(() => undefined)
      const e = err as { message?: string; position?: string | number }
      const pos = Number(e.position)
      const line = Number.isFinite(pos) && pos > 0 ? `:${text.slice(0, pos - 1).split('\n').length}` : ''
      throw new DbgenError('DBGEN_FROM_SQL', `${file}${line}: ${e.message ?? String(err)}. Fix the SQL and run dbgen again.`, { cause: err })
    }
  }
  const executor: SqlExecutor = { query: async <R>(text: string, params: readonly unknown[]) => (await pglite.query<R>(text, [...params])).rows }
  return { executor, dialect: 'postgres', label: files.map((f) => relative(process.cwd(), f) || f).join(', '), close: () => pglite.close() }
}
