/**
 * PostgreSQL through node-postgres: sessions with per-engine type parsers, BEGIN sent in the same round trip as the
 * first statement, a statement cache, cancel by protocol, and SQLSTATE classification.
 *
 * @example
 * const driver = createPostgresDriver({ url, applicationName: 'api', statementCache: 100, pooler: false, … })
 * const conn = await driver.connect()
 */
import type { ConnectionOptions } from 'node:tls'
import pg from 'pg'
import type { PgArrayLookup } from '../../types/pg-types.js'
import { urlWithPassword } from '../../password.js'
import { tlsFailure } from '../../tls/failure.js'
import { nodeTlsOptions } from '../../tls/options.js'
import { postgresTls } from '../../tls/postgres-url.js'
import { parseHostList } from '../../url.js'
import type { DialectDriver, ServerBudget, SessionOptions } from '../dialect.js'
import { PostgresConnection } from './connection.js'
import { postgresBase } from './base.js'
import { classifyPostgresError } from './errors.js'
import { HostPicker } from './hosts.js'
import { lookUpArrays, postgresTypeParsers } from './parsers.js'
import { hasActiveQuery, onParameterStatus, sendCancelRequest } from './pg-internals.js'
import { ServerRoles, SessionRole } from './server-role.js'
import { StatementCaches } from './statements.js'

export interface PostgresSessionOptions extends SessionOptions {
  /** Behind a transaction pooler: no session parameters in the startup packet. */
  readonly pooler: boolean
  /** Per-database array types to parse (from the generated metadata), looked up on the first connection. */
  readonly arrayLookups?: readonly PgArrayLookup[]
  /** Named prepared statements kept per connection (0: none). */
  readonly statementCache: number
  /** Where the driver's own warnings go (the engine's logger). */
  readonly warn: (message: string) => void
}

/** How long a CancelRequest may take before the caller moves on (the scope destroys the connection anyway). */
const CANCEL_BOUND_MS = 2_000

function ignore(): void {}

/** Creates the PostgreSQL dialect driver for an engine. */
export function createPostgresDriver(options: PostgresSessionOptions): DialectDriver {
  const types = postgresTypeParsers(options.types)
  const statements = new StatementCaches(options.statementCache, options.warn)
  let arraysReady: Promise<void> | undefined
  // dbscope reads the URL's sslmode & co. itself (libpq's meaning) and hands pg an explicit `ssl` object.
  const tls = postgresTls(options.url, options.ssl)
  /** A session's config, without TLS and password: also what a CancelRequest's socket is opened from. */
  const clientConfig = (url: string): pg.ClientConfig & Record<string, unknown> => {
    const cfg: pg.ClientConfig & Record<string, unknown> = {
      connectionString: url,
      connectionTimeoutMillis: options.connectTimeoutMs,
      types: types as unknown as pg.CustomTypesConfig,
      ssl: false,
    }
    if (!options.pooler) {
      cfg.application_name = options.applicationName
      if (options.statementTimeoutMs !== undefined) cfg.statement_timeout = options.statementTimeoutMs
      if (options.idleInTransactionTimeoutMs !== undefined) {
        cfg.idle_in_transaction_session_timeout = options.idleInTransactionTimeoutMs
      }
    }
    return cfg
  }
  const hostUrlOf = new WeakMap<PostgresConnection, string>()
  const roles = new ServerRoles()
  const attempt = async (url: string, password: string | undefined, ssl: ConnectionOptions | undefined): Promise<{ client: pg.Client; role: SessionRole }> => {
    const cfg = clientConfig(password === undefined ? url : urlWithPassword(url, password))
    if (ssl) {
      cfg.ssl = ssl
      if (tls.sslnegotiation) (cfg as Record<string, unknown>).sslnegotiation = tls.sslnegotiation
    }
    const client = new pg.Client(cfg)
    // A socket error during or after a failed connect must not become an unhandled 'error' event; the listener
    // stays (PostgresConnection adds its own) because pg may still emit on a client whose connect failed.
    client.on('error', ignore)
    const role = new SessionRole(roles)
    onParameterStatus(client, (name, value) => role.set(name, value))
    // A failure to connect stays the driver's error: the engine makes it a ConnectError (it is no query error).
    await client.connect()
    return { client, role }
  }
  /** One new physical connection: the password function (if any) is asked now, the TLS files are read now. */
  const openOne = async (url: string): Promise<PostgresConnection> => {
    const password = options.password ? await options.password.get() : undefined
    const ssl = tls.settings ? await nodeTlsOptions(tls.settings) : undefined
    const { client, role } = await attempt(url, password, ssl).catch((err: unknown) => {
      // sslmode=prefer: a server without TLS gets a plain connection, as libpq does.
      if (tls.fallbackToPlain && tlsFailure(err)?.check === 'no-tls') return attempt(url, password, undefined)
      throw err
    })
    const conn = new PostgresConnection(client, statements.forConnection(), role)
    hostUrlOf.set(conn, url)
    return conn
  }
  const hosts = new HostPicker(parseHostList(tls.url), openOne)
  return {
    ...postgresBase,
    async connect() {
      const conn = await hosts.connect()
      if (options.arrayLookups && options.arrayLookups.length > 0) {
        // Once per engine: a failed lookup is retried on the next connection.
        arraysReady ??= lookUpArrays(conn, options.arrayLookups).then(
          (found) => types.addArrayParsers(found),
          (err: unknown) => {
            arraysReady = undefined
            throw err
          },
        )
        try {
          await arraysReady
        } catch (err) {
          conn.destroy()
          throw classifyPostgresError(err)
        }
      }
      return conn
    },
    async cancel(conn) {
      const client = (conn as PostgresConnection).client
      if (!hasActiveQuery(client)) return
      await sendCancelRequest(clientConfig(hostUrlOf.get(conn as PostgresConnection) ?? hosts.preferredUrl), client, CANCEL_BOUND_MS)
    },
    async readBudget(conn, appName): Promise<ServerBudget> {
      // This application's connections (its name, user and database: every worker of it) are not "others".
      const r = await conn.query<{ max: string; reserved: string; others: string }>(
        `SELECT current_setting('max_connections') AS max,
                current_setting('superuser_reserved_connections') AS reserved,
                (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'
                   AND NOT (coalesce(application_name, '') = $1 AND usename = current_user AND datname = current_database())) AS others`,
        [appName],
      )
      const row = r.rows[0]!
      return { maxConnections: Number(row.max), reserved: Number(row.reserved), usedByOthers: Number(row.others) }
    },
    promoted: () => roles.promoted,
    async end() {},
  }
}
