/**
 * MySQL and MariaDB through mysql2: sessions whose value types follow TypeOptions (tinyint(1) → boolean,
 * BIGINT/DECIMAL → string, MariaDB's json → parsed), KILL QUERY for cancel, errno classification.
 *
 * @example
 * const driver = createMysqlDriver({ url, applicationName: 'api', connectTimeoutMs: 10_000, … })
 * const conn = await driver.connect()
 */
import mysql from 'mysql2'
import type { Connection, ConnectionOptions } from 'mysql2'
import { ConfigError } from '../../errors.js'
import { mysqlTls, type MysqlTls } from '../../tls/mysql.js'
import type { DialectDriver, ServerBudget, SessionOptions } from '../dialect.js'
import { MysqlConnection, SERVER_VERSIONS } from './connection.js'
import { mysqlBase } from './base.js'
import { mysqlColumnConverters, mysqlTypeOptions } from './values.js'

export type MysqlSessionOptions = SessionOptions

function ignore(): void {}

/** Opens one connection: the password function (if any) is asked now; TLS from the `ssl` option or the URL. */
async function open(options: MysqlSessionOptions, tls: MysqlTls, extra: Partial<ConnectionOptions>): Promise<Connection> {
  const password = options.password ? { password: await options.password.get() } : {}
  const tlsOptions = await tls.connectOptions()
  return new Promise((resolve, reject) => {
    const conn = mysql.createConnection({
      uri: options.url,
      connectTimeout: options.connectTimeoutMs,
      connectAttributes: { program_name: options.applicationName },
      ...tlsOptions,
      ...password,
      ...extra,
    })
    // A failed handshake can emit more than one 'error' (the failure, then the socket closing): the first rejects,
    // later ones must not become unhandled events. After connect the MysqlConnection listens for good.
    conn.on('error', ignore)
    const onError = (err: Error) => {
      conn.removeListener('connect', onConnect)
      conn.destroy()
      reject(err) // the engine makes it a ConnectError (it is no query error)
    }
    const onConnect = (handshake: { serverVersion?: string } | undefined) => {
      conn.removeListener('error', onError)
      if (handshake?.serverVersion) SERVER_VERSIONS.set(conn, handshake.serverVersion)
      resolve(conn)
    }
    conn.once('error', onError)
    conn.once('connect', onConnect)
  })
}

/** Creates the MySQL/MariaDB dialect driver for an engine. */
export function createMysqlDriver(options: MysqlSessionOptions): DialectDriver {
  const typeOpts = mysqlTypeOptions(options.types)
  const tls = mysqlTls(options.url, options.ssl)
  const converters = mysqlColumnConverters(options.types)
  /** MariaDB or MySQL: read once, on the first connection that needs to know. */
  let flavour: Promise<'mariadb' | 'mysql'> | undefined
  const flavourOf = (conn: MysqlConnection) =>
    (flavour ??= conn.query<{ v: string }>('SELECT VERSION() AS v', []).then(
      (r) => (/mariadb/i.test(r.rows[0]?.v ?? '') ? 'mariadb' : 'mysql'),
      (err: unknown) => {
        flavour = undefined
        throw err
      },
    ))
  /** The session settings for statementTimeoutMs and idleInTransactionTimeoutMs, as one SET. */
  const sessionSettings = async (conn: MysqlConnection): Promise<string[]> => {
    const out: string[] = []
    if (options.statementTimeoutMs === undefined && options.idleInTransactionTimeoutMs === undefined) return out
    const mariadb = (await flavourOf(conn)) === 'mariadb'
    if (options.statementTimeoutMs !== undefined) {
      out.push(
        mariadb
          ? `SESSION max_statement_time = ${(options.statementTimeoutMs / 1000).toFixed(3)}`
          : `SESSION max_execution_time = ${Math.round(options.statementTimeoutMs)}`,
      )
    }
    if (options.idleInTransactionTimeoutMs !== undefined) {
      if (!mariadb) {
        throw new ConfigError(
          'pool.idleInTransactionTimeoutMs needs MariaDB (idle_transaction_timeout); MySQL has no equivalent. ' +
            'Remove the option, or rely on scope timeoutMs.',
        )
      }
      out.push(`SESSION idle_transaction_timeout = ${Math.max(1, Math.ceil(options.idleInTransactionTimeoutMs / 1000))}`)
    }
    return out.length > 0 ? [`SET ${out.join(', ')}`] : out
  }
  return {
    ...mysqlBase,
    async connect() {
      const idleLimit = options.idleInTransactionTimeoutMs === undefined ? undefined : Math.max(1, Math.ceil(options.idleInTransactionTimeoutMs / 1000)) * 1000
      const conn = new MysqlConnection(await open(options, tls, typeOpts), converters, idleLimit)
      try {
        conn.sessionSql = await sessionSettings(conn)
        for (const statement of conn.sessionSql) await conn.query(statement, [])
      } catch (err) {
        conn.destroy()
        throw err
      }
      return conn
    },
    async cancel(conn) {
      const id = conn.serverId
      if (id === undefined) return
      try {
        const killer = await open(options, tls, {})
        await new Promise<void>((resolve) => killer.query(`KILL QUERY ${Number(id)}`, () => resolve()))
        killer.destroy()
      } catch {
        /* cancel is best effort; the scope still rolls back */
      }
    },
    async readBudget(conn, appName): Promise<ServerBudget> {
      // This application's connections (this one included) are not "others": every worker of it gets the same share.
      // With performance_schema on they carry our program_name; without it (MariaDB's default) they are the ones of
      // the same user, on the same database, from the same client host as this one — sibling workers, not strangers.
      const r = await conn.query<{ max: number | string; used: number | string; ps: number | string; same: number | string }>(
        `SELECT @@max_connections AS max, @@performance_schema AS ps,
                (SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE COMMAND NOT IN ('Daemon', 'Binlog Dump')) AS used,
                (SELECT COUNT(*) FROM information_schema.PROCESSLIST p JOIN information_schema.PROCESSLIST me ON me.ID = CONNECTION_ID()
                  WHERE p.USER = me.USER AND p.DB <=> me.DB
                    AND REGEXP_REPLACE(p.HOST, ':[0-9]+$', '') = REGEXP_REPLACE(me.HOST, ':[0-9]+$', '')) AS same`,
        [],
      )
      const row = r.rows[0]!
      let ours = Number(row.same)
      if (Number(row.ps) === 1) {
        const a = await conn.query<{ n: number | string }>(
          `SELECT COUNT(*) AS n FROM performance_schema.session_connect_attrs WHERE ATTR_NAME = 'program_name' AND ATTR_VALUE = ?`,
          [appName],
        )
        ours = Number(a.rows[0]?.n ?? 1)
      }
      // MySQL and MariaDB allow one connection beyond max_connections, for a SUPER user: nothing is reserved out of it.
      return { maxConnections: Number(row.max), reserved: 0, usedByOthers: Math.max(0, Number(row.used) - Math.max(1, ours)) }
    },
    async end() {},
  }
}
