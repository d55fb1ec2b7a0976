/**
 * PostgreSQL through node-postgres: raw connections with per-engine type parsers, BEGIN sent in the same round trip
 * as the first statement, cancel by protocol, and SQLSTATE classification.
 */
import pg from 'pg'
import {
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type Kysely,
  type QueryResult,
  type TransactionSettings,
} from 'kysely'
import type { TypeOptions } from '../type-options.js'
import { resolveTypeOptions } from '../type-options.js'
import { streamPortal } from './postgres-cursor.js'
import { classifyPostgresError, isPostgresConnectionError } from './postgres-errors.js'
import { type DialectDriver, type RawConnection, type ServerBudget, type SessionOptions } from './dialect.js'
import { beginStatements } from './begin.js'
import { StatementCaches, type DroppedStatements, type StatementCache } from './postgres-statements.js'
import { parseHostList } from '../multi-host.js'
import { pgElementParser, pgParserFor, pgParserPlan, type PgArrayLookup } from '../../codegen/type-map.js'

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

type Parser = (text: string) => unknown

// pg-types 2 exports `arrayParser.create(text, fn).parse()` (its @types say otherwise).
const arrayParser = pg.types.arrayParser as unknown as { create(text: string, el: (t: string) => unknown): { parse(): unknown } }
const parseArray = (text: string, el: (t: string) => unknown): unknown => arrayParser.create(text, el).parse()
const builtin = (oid: number): Parser => pg.types.getTypeParser(oid as Parameters<typeof pg.types.getTypeParser>[0], 'text') as Parser

/** The per-engine parser table handed to every pg.Client: pg's defaults, overridden by dbgen's parser plan. */
export interface PostgresTypeParsers {
  getTypeParser(oid: number, format?: string): Parser
  /** Adds parsers for arrays whose OID is per database (enums, domains, citext), once looked up. */
  addArrayParsers(entries: readonly { readonly oid: number; readonly element: string }[]): void
}

/**
 * Builds the parsers from the same data table the emitter reads (`codegen/type-map.ts`), so a value's runtime type
 * is the type dbgen wrote for it.
 */
export function postgresTypeParsers(options: TypeOptions | undefined): PostgresTypeParsers {
  const o = resolveTypeOptions(options)
  const overrides = new Map<number, Parser>()
  for (const entry of pgParserPlan(o)) overrides.set(entry.oid, pgParserFor(entry, parseArray))
  return {
    getTypeParser(oid: number, format: string = 'text') {
      if (format === 'text') {
        const p = overrides.get(oid)
        if (p) return p
      }
      return pg.types.getTypeParser(oid as Parameters<typeof pg.types.getTypeParser>[0], format as 'text') as Parser
    },
    addArrayParsers(entries) {
      for (const e of entries) {
        const el = pgElementParser(e.element, o, builtin)
        overrides.set(e.oid, (text) => parseArray(text, (t) => (t === null ? null : el(t))))
      }
    },
  }
}

/** Looks up the OIDs of per-database array types (one query), for {@link PostgresTypeParsers.addArrayParsers}. */
export async function lookUpArrays(conn: RawConnection, lookups: readonly PgArrayLookup[]): Promise<{ oid: number; element: string }[]> {
  if (lookups.length === 0) return []
  const r = await conn.query<{ i: number; oid: number }>(
    `SELECT l.i, t.typarray::int AS oid
       FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS l(schema, name, i)
       JOIN pg_type t ON t.typname = l.name
       JOIN pg_namespace n ON n.oid = t.typnamespace AND (l.schema IS NULL OR n.nspname = l.schema)
      WHERE t.typarray <> 0`,
    [lookups.map((l) => l.schema), lookups.map((l) => l.name)],
  )
  return r.rows.map((row) => ({ oid: Number(row.oid), element: lookups[Number(row.i) - 1]!.element }))
}

type QueryCallback = (err: Error | null, res: pg.QueryResult | pg.QueryResult[]) => void
type PgQuery = pg.Query & { name?: string; queryMode?: string; prepare(c: unknown): void }
interface PgWire {
  parse(q: object): void
  bind(q: object): void
  execute(q: object): void
  close(q: { type: 'S'; name: string }): void
  /** pg's record of the named statements parsed on this connection. */
  parsedStatements: Record<string, string | undefined>
}

/**
 * A pg.Query that can send more in the same pipeline, before its one Sync: Close for statements the cache dropped,
 * then a parameterless statement (BEGIN …), then itself, as a named prepared statement when it has a name. Built
 * from (text, values, callback) rather than a config object, which pg would copy property by property.
 */
class PipelinedQuery extends (pg.Query as unknown as new (text: string, values: unknown[], callback: QueryCallback) => PgQuery) {
  readonly #dropped: DroppedStatements | undefined
  readonly #prefix: string | undefined
  constructor(dropped: DroppedStatements | undefined, prefix: string | undefined, name: string | undefined, text: string, values: unknown[], callback: QueryCallback) {
    super(text, values, callback)
    this.#dropped = dropped
    this.#prefix = prefix
    if (name !== undefined) this.name = name
    this.queryMode = 'extended'
  }
  /** Runs when pg puts the query on the wire, after every query queued before it on the connection. */
  override prepare(connection: PgWire): void {
    if (this.#dropped) {
      for (const name of this.#dropped.close) {
        connection.close({ type: 'S', name })
        delete connection.parsedStatements[name]
      }
      for (const name of this.#dropped.forget) delete connection.parsedStatements[name]
    }
    if (this.#prefix !== undefined) {
      connection.parse({ text: this.#prefix, name: '', types: [] })
      connection.bind({ portal: '', statement: '', values: [] })
      connection.execute({ portal: '', rows: 0 })
    }
    super.prepare(connection)
  }
}

class PostgresConnection implements RawConnection {
  readonly #client: pg.Client
  /** Named prepared statements on this connection; undefined when the cache is off. */
  readonly #statements: StatementCache | undefined
  #broken = false
  #listeners: ((err: Error) => void)[] = []

  constructor(client: pg.Client, statements: StatementCache | undefined) {
    this.#client = client
    this.#statements = statements
    const fail = (err: Error) => {
      if (this.#broken) return
      this.#broken = true
      for (const l of this.#listeners) l(err)
    }
    // A checked-out client's 'error' must never become an unhandled event that crashes the process.
    client.on('error', fail)
    client.on('end', () => fail(new Error('Connection terminated')))
  }

  get client(): pg.Client {
    return this.#client
  }

  get serverId(): number | undefined {
    return (this.#client as unknown as { processID: number | null }).processID ?? undefined
  }

  get broken(): boolean {
    return this.#broken
  }

  query<R>(sql: string, params: readonly unknown[]): Promise<QueryResult<R>> {
    const cache = this.#cacheFor(sql, params)
    if (cache !== undefined) return this.#pipelined(undefined, sql, params, cache)
    // The (text, values, callback) form: pg copies a config object on every call, and wraps a callback-less query
    // in a promise of its own; one promise here is all a statement costs.
    return new Promise((resolve, reject) => {
      this.#client.query(sql, params as unknown[], (err: Error | null, res: pg.QueryResult) => (err ? reject(err) : resolve(toQueryResult<R>(res))))
    })
  }

  queryAfter<R>(prefix: string, sql: string, params: readonly unknown[]): Promise<QueryResult<R>> {
    return this.#pipelined(prefix, sql, params, this.#cacheFor(sql, params))
  }

  /**
   * The statement cache for a statement with parameters, when it is on. A statement without them is only shown to
   * it (DEALLOCATE ALL / DISCARD ALL empty it) and runs as before.
   */
  #cacheFor(sql: string, params: readonly unknown[]): StatementCache | undefined {
    const cache = this.#statements
    if (cache === undefined || !cache.on) return undefined
    if (params.length > 0) return cache
    cache.sending(sql)
    return undefined
  }

  /** Sends `sql` (after `prefix`, if any), as a named prepared statement when `cache` gives it a name. */
  #pipelined<R>(prefix: string | undefined, sql: string, params: readonly unknown[], cache: StatementCache | undefined): Promise<QueryResult<R>> {
    const name = cache?.nameFor(sql)
    // A Submittable is returned as-is by client.query(), not as a promise: its result comes through the callback.
    return new Promise((resolve, reject) => {
      const query = new PipelinedQuery(cache?.takeDropped(), prefix, name, sql, params as unknown[], (err, res) => {
        if (!err) return resolve(toQueryResult<R>(Array.isArray(res) ? res[res.length - 1]! : res))
        if (name !== undefined) cache?.failed(sql, name, err)
        reject(err)
      })
      this.#client.query(query as unknown as pg.QueryConfig)
    })
  }

  stream<R>(sql: string, params: readonly unknown[], chunkSize: number): AsyncIterableIterator<QueryResult<R>> {
    return streamPortal<R>(this.#client, sql, params, chunkSize)
  }

  onBroken(listener: (err: Error) => void): void {
    this.#listeners.push(listener)
  }

  async close(): Promise<void> {
    this.#broken = true
    try {
      await this.#client.end()
    } catch {
      /* already closed */
    }
  }

  destroy(): void {
    this.#broken = true
    const stream = (this.#client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream
    stream?.destroy()
  }
}

function toQueryResult<R>(res: pg.QueryResult): QueryResult<R> {
  const command = res.command
  if (command === 'INSERT' || command === 'UPDATE' || command === 'DELETE' || command === 'MERGE') {
    return { numAffectedRows: BigInt(res.rowCount ?? 0), rows: (res.rows ?? []) as R[] }
  }
  return { rows: (res.rows ?? []) as R[] }
}

function ignore(): void {}

/** Creates the PostgreSQL dialect driver for an engine. */
export function createPostgresDriver(options: PostgresSessionOptions): DialectDriver {
  const types = postgresTypeParsers(options.types)
  const statements = new StatementCaches(options.statementCache, options.warn)
  let arraysReady: Promise<void> | undefined
  const hostList = parseHostList(options.url)
  // The host that answered as writable last time is tried first next time.
  let preferred = 0
  const clientConfig = (url = hostList.urls[preferred]!): pg.ClientConfig => {
    const cfg: pg.ClientConfig & Record<string, unknown> = {
      connectionString: url,
      connectionTimeoutMillis: options.connectTimeoutMs,
      types: types as unknown as pg.CustomTypesConfig,
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
  const openOne = async (url: string): Promise<PostgresConnection> => {
    const client = new pg.Client(clientConfig(url))
    // A socket error during or after a failed connect must not become an unhandled 'error' event; the listener
    // stays (PostgresConnection adds its own) because pg may still emit on a client whose connect failed.
    client.on('error', ignore)
    try {
      await client.connect()
    } catch (err) {
      throw classifyPostgresError(err)
    }
    const conn = new PostgresConnection(client, statements.forConnection())
    hostUrlOf.set(conn, url)
    return conn
  }
  /**
   * Opens a connection to the first host that answers (the last good one first) and, with
   * target_session_attrs=read-write, is writable: `SHOW transaction_read_only` is off. This is libpq's multi-host
   * behaviour, which node-postgres lacks; after a failover the promoted host is found the same way.
   */
  const connectToTarget = async (): Promise<PostgresConnection> => {
    const n = hostList.urls.length
    const reasons: string[] = []
    let lastError: unknown
    for (let k = 0; k < n; k++) {
      const i = (preferred + k) % n
      let conn: PostgresConnection
      try {
        conn = await openOne(hostList.urls[i]!)
      } catch (err) {
        lastError = err
        reasons.push(`${hostList.hosts[i]}: ${err instanceof Error ? err.message : String(err)}`)
        continue
      }
      if (hostList.readWrite) {
        const ro = await conn.query<{ transaction_read_only: string }>('SHOW transaction_read_only', []).catch(() => undefined)
        if (ro?.rows[0]?.transaction_read_only !== 'off') {
          await conn.close()
          reasons.push(`${hostList.hosts[i]}: read-only (a standby)`)
          continue
        }
      }
      preferred = i
      return conn
    }
    if (n === 1 && lastError !== undefined) throw lastError
    throw new Error(`no ${hostList.readWrite ? 'writable primary' : 'host'} answered among ${hostList.hosts.join(', ')} (${reasons.join('; ')})`)
  }
  return {
    name: 'postgres',
    maxPoolSize: Number.POSITIVE_INFINITY,
    async connect() {
      const conn = await connectToTarget()
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
      // pg's own Client.cancel reads the deprecated `activeQuery` getter (a DeprecationWarning in the user's logs), so
      // the CancelRequest is sent here the same way: a second connection to the same host carries only that message.
      const target = (conn as PostgresConnection).client as unknown as { processID: number; secretKey: number; _getActiveQuery?(): unknown }
      if (target._getActiveQuery && !target._getActiveQuery()) return
      const canceller = new pg.Client(clientConfig(hostUrlOf.get(conn as PostgresConnection))) as unknown as {
        host: string
        port: number
        connection: { connect(port: number | string, host?: string): void; cancel(pid: number, key: number): void; on(e: string, f: () => void): void }
        on(e: string, f: () => void): void
      }
      canceller.on('error', ignore)
      await new Promise<void>((resolve) => {
        const c = canceller.connection
        c.on('end', resolve)
        c.on('error', resolve)
        c.on('connect', () => c.cancel(target.processID, target.secretKey))
        if (canceller.host.startsWith('/')) c.connect(`${canceller.host}/.s.PGSQL.${canceller.port}`)
        else c.connect(canceller.port, canceller.host)
        setTimeout(resolve, 2_000).unref()
      })
    },
    beginSql: (settings: TransactionSettings) => beginStatements('postgres', settings),
    async readBudget(conn, appName): Promise<ServerBudget> {
      const r = await conn.query<{ max: string; reserved: string; others: string }>(
        `SELECT current_setting('max_connections') AS max,
                current_setting('superuser_reserved_connections') AS reserved,
                (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'
                   AND coalesce(application_name, '') <> $1) AS others`,
        [appName],
      )
      const row = r.rows[0]!
      return { maxConnections: Number(row.max), reserved: Number(row.reserved), usedByOthers: Number(row.others) }
    },
    classify: classifyPostgresError,
    isConnectionError: isPostgresConnectionError,
    createQueryCompiler: () => new PostgresQueryCompiler(),
    createAdapter: () => new PostgresAdapter(),
    createIntrospector: (db: Kysely<any>) => new PostgresIntrospector(db),
    async end() {},
  }
}
