/**
 * MySQL and MariaDB through mysql2: raw connections whose value types follow TypeOptions (tinyint(1) → boolean,
 * BIGINT/DECIMAL → string, MariaDB's json → parsed), KILL QUERY for cancel, errno classification.
 */
import mysql from 'mysql2'
import type { Connection, ConnectionOptions, FieldPacket, ResultSetHeader } from 'mysql2'
import {
  MysqlAdapter,
  MysqlIntrospector,
  MysqlQueryCompiler,
  type Kysely,
  type QueryResult,
  type TransactionSettings,
} from 'kysely'
import type { TypeOptions } from '../type-options.js'
import { resolveTypeOptions } from '../type-options.js'
import { beginStatements } from './begin.js'
import { type DialectDriver, type RawConnection, type ServerBudget, type SessionOptions } from './dialect.js'
import { streamRows } from './mysql-stream.js'
import { classifyMysqlError, isMysqlConnectionError } from './mysql-errors.js'
import { ConfigError } from '../errors.js'

export type MysqlSessionOptions = SessionOptions

/** mysql2 connection options that make values match the types dbgen emits for these TypeOptions. */
export function mysqlTypeOptions(options: TypeOptions | undefined): Partial<ConnectionOptions> {
  const o = resolveTypeOptions(options)
  // No typeCast: mysql2 then builds a wrapper object per column per row. What its options cannot express is
  // converted afterwards by mysqlColumnConverters, only for the columns that need it.
  return {
    supportBigNumbers: true,
    bigNumberStrings: true,
    decimalNumbers: o.decimal === 'number',
    dateStrings: o.dates === 'string',
  }
}

type Convert = (value: unknown) => unknown
/** The columns of one result that need converting, by row key; undefined when none does. */
export type ColumnConverters = (fields: readonly FieldPacket[] | undefined) => Map<string, Convert> | undefined

const TINY = 1
const LONGLONG = 8
/** mysql2's column flag for a SET column (the result's field list carries flags). */
const SET_FLAG = 2048

/**
 * The conversions mysql2's options cannot express, per result: tinyint(1) → boolean, BIGINT → bigint/number (it
 * arrives as a string), MariaDB's json (longtext with "json" extended metadata) → parsed, and SET text (`'a,b'`) →
 * an array (`['a', 'b']`), as dbgen types it. SET members cannot contain a comma (the server rejects such a
 * definition), so splitting on ',' is exact; '' is the empty set.
 */
export function mysqlColumnConverters(options: TypeOptions | undefined): ColumnConverters {
  const o = resolveTypeOptions(options)
  const toBoolean: Convert = (v) => (v === null ? null : Number(v) !== 0)
  const toBig: Convert | undefined =
    o.bigint === 'bigint' ? (v) => (v === null ? null : BigInt(v as string)) : o.bigint === 'number' ? (v) => (v === null ? null : Number(v)) : undefined
  const toJson: Convert = (v) => (typeof v === 'string' ? JSON.parse(v) : v)
  const toSet: Convert = (v) => (typeof v === 'string' ? (v === '' ? [] : v.split(',')) : v)
  return (fields) => {
    let out: Map<string, Convert> | undefined
    if (!fields) return out
    for (const f of fields) {
      const field = f as FieldPacket & { columnType?: number; columnLength?: number; extendedFormat?: string; flags?: number }
      let convert: Convert | undefined
      if (field.columnType === TINY && field.columnLength === 1 && o.tinyintAsBoolean) convert = toBoolean
      else if (field.columnType === LONGLONG) convert = toBig
      else if (field.extendedFormat === 'json') convert = toJson
      else if (((field.flags ?? 0) & SET_FLAG) !== 0) convert = toSet
      if (convert) (out ??= new Map()).set(field.name, convert)
      else out?.delete(field.name) // a later column of the same name wins in the row
    }
    return out
  }
}

class MysqlConnection implements RawConnection {
  readonly #conn: Connection
  readonly #converters: ColumnConverters
  #broken = false
  #listeners: ((err: Error) => void)[] = []

  constructor(conn: Connection, converters: ColumnConverters) {
    this.#conn = conn
    this.#converters = converters
    // Listeners for the whole life of the connection: an 'error' after end() must not go unhandled either.
    conn.on('error', (err: Error) => this.#markBroken(err))
    conn.on('end', () => this.#markBroken(new Error('Connection closed')))
  }

  get serverId(): number | undefined {
    return this.#conn.threadId ?? undefined
  }

  get broken(): boolean {
    return this.#broken
  }

  query<R>(sql: string, params: readonly unknown[]): Promise<QueryResult<R>> {
    return new Promise((resolve, reject) => {
      this.#conn.query(sql, params as unknown[], ((err: Error | null, result: unknown, fields: FieldPacket[] | undefined) => {
        if (err) {
          if (isMysqlConnectionError(err)) this.#markBroken(err)
          reject(err)
        } else {
          if (Array.isArray(result)) convertRows(result, this.#converters(fields))
          resolve(toQueryResult<R>(result))
        }
      }) as never)
    })
  }

  async queryAfter<R>(prefix: string, sql: string, params: readonly unknown[]): Promise<QueryResult<R>> {
    // mysql2 sends each command and waits; queue both without awaiting so they leave back to back. Promise.all
    // handles both outcomes: when the first fails the second fails too, and must not become an unhandled rejection.
    const [, result] = await Promise.all([this.query(prefix, []), this.query<R>(sql, params)])
    return result
  }

  stream<R>(sql: string, params: readonly unknown[], chunkSize: number): AsyncIterableIterator<QueryResult<R>> {
    return streamRows<R>(this.#conn, sql, params, chunkSize, this.#converters)
  }

  onBroken(listener: (err: Error) => void): void {
    this.#listeners.push(listener)
  }

  #markBroken(err: Error): void {
    if (this.#broken) return
    this.#broken = true
    for (const l of this.#listeners) l(err)
  }

  close(): Promise<void> {
    this.#broken = true
    return new Promise((resolve) => {
      try {
        this.#conn.end(() => resolve())
      } catch {
        resolve()
      }
      setTimeout(() => {
        this.#conn.destroy()
        resolve()
      }, 1_000).unref()
    })
  }

  destroy(): void {
    this.#broken = true
    this.#conn.destroy()
  }
}

function convertRows(rows: unknown[], converters: Map<string, Convert> | undefined): void {
  if (!converters) return
  for (const row of rows as Record<string, unknown>[]) for (const [key, convert] of converters) row[key] = convert(row[key])
}

function toQueryResult<R>(result: unknown): QueryResult<R> {
  if (Array.isArray(result)) return { rows: result as R[] }
  const h = result as ResultSetHeader
  return {
    insertId: h.insertId !== undefined ? BigInt(h.insertId) : undefined,
    numAffectedRows: h.affectedRows !== undefined ? BigInt(h.affectedRows) : undefined,
    numChangedRows: h.changedRows !== undefined ? BigInt(h.changedRows) : undefined,
    rows: [],
  }
}

function ignore(): void {}

function open(options: MysqlSessionOptions, extra: Partial<ConnectionOptions>): Promise<Connection> {
  return new Promise((resolve, reject) => {
    const conn = mysql.createConnection({
      uri: options.url,
      connectTimeout: options.connectTimeoutMs,
      connectAttributes: { program_name: options.applicationName },
      ...extra,
    })
    // A failed handshake can emit more than one 'error' (the failure, then the socket closing): the first rejects,
    // later ones must not become unhandled events. After connect the MysqlConnection listens for good.
    conn.on('error', ignore)
    const onError = (err: Error) => {
      conn.removeListener('connect', onConnect)
      conn.destroy()
      reject(classifyMysqlError(err))
    }
    const onConnect = () => {
      conn.removeListener('error', onError)
      resolve(conn)
    }
    conn.once('error', onError)
    conn.once('connect', onConnect)
  })
}

/** Creates the MySQL/MariaDB dialect driver for an engine. */
export function createMysqlDriver(options: MysqlSessionOptions): DialectDriver {
  const typeOpts = mysqlTypeOptions(options.types)
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
    name: 'mysql',
    maxPoolSize: Number.POSITIVE_INFINITY,
    async connect() {
      const conn = new MysqlConnection(await open(options, typeOpts), converters)
      try {
        for (const statement of await sessionSettings(conn)) await conn.query(statement, [])
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
        const killer = await open(options, {})
        await new Promise<void>((resolve) => killer.query(`KILL QUERY ${Number(id)}`, () => resolve()))
        killer.destroy()
      } catch {
        /* cancel is best effort; the scope still rolls back */
      }
    },
    beginSql: (settings: TransactionSettings) => beginStatements('mysql', settings),
    async readBudget(conn, appName): Promise<ServerBudget> {
      const r = await conn.query<{ max: number | string; used: number | string; ps: number | string }>(
        `SELECT @@max_connections AS max, @@performance_schema AS ps,
                (SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE COMMAND NOT IN ('Daemon', 'Binlog Dump')) AS used`,
        [],
      )
      const row = r.rows[0]!
      let ours = 1 // this connection, counted in `used`
      if (Number(row.ps) === 1) {
        // With performance_schema on, the connections tagged with our program_name are ours (other workers' too).
        const a = await conn.query<{ n: number | string }>(
          `SELECT COUNT(*) AS n FROM performance_schema.session_connect_attrs WHERE ATTR_NAME = 'program_name' AND ATTR_VALUE = ?`,
          [appName],
        )
        ours = Math.max(1, Number(a.rows[0]?.n ?? 1))
      }
      // MySQL and MariaDB allow one connection beyond max_connections, for a SUPER user: nothing is reserved out of it.
      return { maxConnections: Number(row.max), reserved: 0, usedByOthers: Math.max(0, Number(row.used) - ours) }
    },
    classify: classifyMysqlError,
    isConnectionError: isMysqlConnectionError,
    createQueryCompiler: () => new MysqlQueryCompiler(),
    createAdapter: () => new MysqlAdapter(),
    createIntrospector: (db: Kysely<any>) => new MysqlIntrospector(db),
    async end() {},
  }
}
