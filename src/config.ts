/**
 * defineDb's configuration: the options a user writes, their defaults, and the normalized form the engine keys on.
 */
import type { PGliteInstance } from './dialects/pglite/session.js'
import { columnWritersOf, type ColumnWriters, type WritersMetadata } from './engine/column-writes.js'
import { ConfigError } from './errors.js'
import { listenUrlOf } from './listen/listen-url.js'
import { keysOf, unknownKeyProblem } from './known-keys.js'
import type { PoolOptions } from './pool.js'
import { redactUrl } from './redact.js'
import type { DialectName } from './types/dialect-name.js'
import { pgArrayLookups, type PgArrayLookup } from './types/pg-types.js'
import { resolveTypeOptions, type TypeOptions } from './types/type-options.js'
import { dialectOf, firstHostUrl, parseHostList } from './url.js'
import { connectionUrl, type ConnectionConfig } from './connection-object.js'
import { PasswordSource } from './password.js'
import { validateSsl, type SslOptions } from './tls/options.js'
import { mysqlTls } from './tls/mysql.js'
import { postgresTls } from './tls/postgres-url.js'
import { observabilityOptions, type ObservabilityConfig, type ResolvedObservability } from './telemetry/options.js'

/**
 * Pool options, mapped onto every dialect the same way.
 *
 * @example
 * defineDb({ url, pool: { max: 10, acquireTimeoutMs: 5_000, maxLifetimeMs: 30 * 60_000, statementTimeoutMs: 15_000 } })
 */
export interface PoolConfig {
  /** Most connections this process opens (default 10). The guard may clamp it to the server's budget. */
  readonly max?: number
  /** Connections kept open when idle (default 0). */
  readonly min?: number
  /** How long a query waits for a free connection before a PoolTimeoutError (default 10 000 ms; 0 = forever). */
  readonly acquireTimeoutMs?: number
  /** Idle connections above `min` close after this long (default 30 000 ms; 0 = never). */
  readonly idleTimeoutMs?: number
  /** Connections are recycled after this age (default 0 = never). */
  readonly maxLifetimeMs?: number
  /** Ping an idle connection before handing it out (default false). */
  readonly prePing?: boolean
  /** How long opening a connection may take (default 10 000 ms). */
  readonly connectTimeoutMs?: number
  /**
   * Server-side statement timeout, set on connect: PostgreSQL statement_timeout, MariaDB max_statement_time,
   * MySQL max_execution_time (which MySQL applies to SELECT only).
   */
  readonly statementTimeoutMs?: number
  /** Server-side idle-in-transaction timeout, set on connect (PostgreSQL; MariaDB's idle_transaction_timeout, rounded up to seconds; MySQL has none: a ConfigError). */
  readonly idleInTransactionTimeoutMs?: number
  /** A checkout held longer than this is reported once with the stack that took it (default 30 000; 0 = off). */
  readonly leakWarnMs?: number
  /**
   * How long COMMIT, ROLLBACK or a savepoint's RELEASE at a scope's end may wait for the server (default 30 000 ms).
   * Past it the connection is destroyed and released; a COMMIT without an answer rejects with a non-retryable
   * ConnectionLostError (whether it committed is unknown).
   */
  readonly endTimeoutMs?: number
}

/**
 * The pool-per-process guard.
 *
 * @example
 * // 8 cluster workers share the server: fit each pool into its share of max_connections.
 * defineDb({ url, pool: { max: 20 }, guard: { budget: 'clamp', workers: 8 } })
 */
export interface GuardConfig {
  /** Using an engine from another process/thread, or after dispose(): `'throw'` (default) or `'recreate'`. */
  readonly owner?: 'throw' | 'recreate'
  /** When max × workers would exceed the server's connection budget: `'warn'` (default), `'clamp'`, `'throw'` or `'off'`. */
  readonly budget?: 'warn' | 'clamp' | 'throw' | 'off'
  /** How many processes share the budget (default: DBSCOPE_WORKERS, else the CPU count in a cluster worker, else 1). */
  readonly workers?: number
  /** Connections left free for admin tools and migrations (default 3). */
  readonly reserve?: number
  /** A query through `db.kysely` inside an active scope of the same db: `'warn'` (default), `'throw'` or `'off'`. */
  readonly foreignQuery?: 'warn' | 'throw' | 'off'
}

/** Where warnings go. Messages never contain a password. */
export interface Logger {
  warn(message: string): void
}

/** The parts of the generated `metadata` the runtime reads. */
export type MetadataInput = {
  readonly dialect?: string
  readonly typeOptions?: TypeOptions
  readonly camelCase?: boolean
} & Partial<Parameters<typeof pgArrayLookups>[0]> &
  WritersMetadata

/** What `defineDb` accepts (`log`, `telemetry` and `slowStatementMs` are in ObservabilityConfig). */
export interface DbConfig extends ObservabilityConfig {
  /**
   * `postgres://…`, `mysql://…` (or `mariadb://…`), or `pglite://memory` / `pglite:///path/to/dir` for embedded
   * PostgreSQL. Defaults to `DATABASE_URL`.
   */
  readonly url?: string | undefined
  /**
   * Where and as whom to connect, as separate values instead of a URL (exactly one of the two): the password needs
   * no escaping, and may be a function called for every new connection (rotating credentials). With `hosts`, a
   * PostgreSQL failover list.
   *
   * @example
   * defineDb({ connection: { dialect: 'postgres', host: 'db.internal', port: 5432, user: 'app', password: process.env.PGPASSWORD, database: 'app' } })
   * defineDb({ connection: { dialect: 'postgres', host, user, database, password: () => signer.getAuthToken() }, ssl: { ca } })
   */
  readonly connection?: ConnectionConfig
  /**
   * TLS, verified fully by default (the chain up to `ca`, and the host name), for PostgreSQL and MySQL/MariaDB, the
   * replicas included. It replaces TLS settings in the URL (PostgreSQL's sslmode/sslrootcert/sslcert/sslkey,
   * mysql2's `?ssl=`). A certificate that fails a check is a ConnectError that is not retryable and names the check.
   *
   * @example
   * defineDb({ url, ssl: { ca: process.env.DB_CA_PEM } })
   */
  readonly ssl?: SslOptions
  /** An embedded PGlite instance (or a factory) instead of a URL. */
  readonly pglite?: PGliteInstance | (() => PGliteInstance | Promise<PGliteInstance>)
  /** Pool options, or `false` for a connection per scope (SQLAlchemy's NullPool). */
  readonly pool?: PoolConfig | false
  /** The generated metadata module: supplies typeOptions and camelCase so runtime values match generated types. */
  readonly metadata?: MetadataInput | undefined
  /** Value types; defaults to metadata.typeOptions, then to the defaults. */
  readonly types?: TypeOptions
  /** Use Kysely's CamelCasePlugin (defaults to metadata.camelCase). */
  readonly camelCase?: boolean
  /** Tags every connection (`application_name` / connect attributes); default `dbscope`. */
  readonly applicationName?: string
  readonly guard?: GuardConfig
  /**
   * Behind a transaction pooler such as PgBouncer (`pool_mode = transaction`; PostgreSQL URLs only): no session
   * parameters at connect, and statements that need a session (session advisory locks, LISTEN, session SET/RESET,
   * set_config(…, false), temporary tables without ON COMMIT DROP, PREPARE, DECLARE … WITH HOLD) fail with a
   * PoolerUnsupportedError before they are sent, naming the transaction-local form.
   *
   * @example
   * defineDb({ url: 'postgres://app@127.0.0.1:6432/app', pooler: 'pgbouncer' })
   */
  readonly pooler?: 'pgbouncer'
  /**
   * PostgreSQL: how many statements each connection keeps prepared (default 100; 0 turns it off, the default behind
   * `pooler`). A statement with parameters is parsed once per connection as a named prepared statement; later runs
   * send only Bind and Execute, which spares the server parsing and analysis, and planning once it settles on a
   * generic plan (see PostgreSQL's `plan_cache_mode` if a skewed table needs custom plans). After an ALTER TABLE
   * changes what a cached statement returns, its next run fails once with "cached plan must not change result type"
   * (retried by a scope's `retry`) and is prepared afresh.
   *
   * @example
   * defineDb({ url, statementCache: 0 }) // parse every statement every time, as node-postgres does
   */
  readonly statementCache?: number
  /**
   * Read replicas (same dialect as `url`), as URLs or connection objects, with the db's `ssl`: `db.replica` and
   * `readOnly` scopes use them round robin; one that cannot be reached is skipped and health-checked every
   * `replicaHealthCheckMs` (default 1 000) until it answers.
   *
   * @example
   * defineDb({ url: process.env.DATABASE_URL, replicas: [process.env.REPLICA_URL!] })
   */
  readonly replicas?: readonly (string | ConnectionConfig)[]
  /** A direct PostgreSQL URL for `db.listen` when `url` goes through PgBouncer, which loses a LISTEN: `'postgres://app@db:5432/app'`. */
  readonly listenUrl?: string
  readonly replicaHealthCheckMs?: number
  /**
   * Drain and dispose every engine on these signals (see `drainOnSignals`). `true` means SIGTERM and SIGINT.
   *
   * @example
   * defineDb({ url, shutdown: { signals: ['SIGTERM'], graceMs: 10_000 } })
   */
  readonly shutdown?: boolean | { readonly signals?: readonly NodeJS.Signals[]; readonly graceMs?: number }
  /** Called when an afterCommit/afterRollback hook throws; default: a warning through the logger. */
  readonly onHookError?: (error: unknown) => void
  readonly logger?: Logger
}

/** Every key defineDb knows; the compiler keeps this list equal to DbConfig's keys. */
export const DB_CONFIG_KEYS = keysOf<DbConfig>({
  url: true,
  pglite: true,
  pool: true,
  metadata: true,
  types: true,
  camelCase: true,
  applicationName: true,
  guard: true,
  pooler: true,
  statementCache: true,
  replicas: true,
  listenUrl: true,
  replicaHealthCheckMs: true,
  shutdown: true,
  onHookError: true,
  logger: true,
  log: true,
  telemetry: true,
  slowStatementMs: true,
  ssl: true,
  connection: true,
})
export const POOL_KEYS = keysOf<PoolConfig>({
  max: true,
  min: true,
  acquireTimeoutMs: true,
  idleTimeoutMs: true,
  maxLifetimeMs: true,
  prePing: true,
  connectTimeoutMs: true,
  statementTimeoutMs: true,
  idleInTransactionTimeoutMs: true,
  leakWarnMs: true,
  endTimeoutMs: true,
})
export const GUARD_KEYS = keysOf<GuardConfig>({ owner: true, budget: true, workers: true, reserve: true, foreignQuery: true })
const SHUTDOWN_KEYS = keysOf<Exclude<NonNullable<DbConfig['shutdown']>, boolean>>({ signals: true, graceMs: true })

/** Throws a ConfigError for a config that is not an object, or that has a key no option has. */
function checkKeys(config: DbConfig): void {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new ConfigError(`defineDb takes an options object such as { url: process.env.DATABASE_URL }, got ${typeof config === 'string' ? 'a string' : String(config)}.`)
  }
  const problem =
    unknownKeyProblem('defineDb', config, DB_CONFIG_KEYS) ??
    (typeof config.pool === 'object' ? unknownKeyProblem('defineDb({ pool })', config.pool, POOL_KEYS) : undefined) ??
    (typeof config.guard === 'object' ? unknownKeyProblem('defineDb({ guard })', config.guard, GUARD_KEYS) : undefined) ??
    (typeof config.shutdown === 'object' ? unknownKeyProblem('defineDb({ shutdown })', config.shutdown, SHUTDOWN_KEYS) : undefined)
  if (problem) throw new ConfigError(problem)
}

/** The pool's own options plus what the dialect applies when it opens a session. */
export interface ResolvedPool extends PoolOptions {
  readonly connectTimeoutMs: number
  readonly statementTimeoutMs: number | undefined
  readonly idleInTransactionTimeoutMs: number | undefined
  readonly endTimeoutMs: number
}

export interface ResolvedConfig extends ResolvedObservability {
  readonly dialect: DialectName
  /** The URL as given (holds the password; never printed), or the password-free URL of a connection object. */
  readonly url: string | undefined
  /** A connection object's password (string or function), asked at each connect. */
  readonly password: PasswordSource | undefined
  readonly ssl: SslOptions | undefined
  readonly pglite: DbConfig['pglite']
  readonly pool: ResolvedPool
  readonly types: Required<TypeOptions>
  readonly camelCase: boolean
  readonly applicationName: string
  readonly guard: Required<GuardConfig>
  readonly pooler: 'pgbouncer' | undefined
  /** Named prepared statements kept per PostgreSQL connection; 0 for none. */
  readonly statementCache: number
  /** Replica URLs (with their passwords; never printed) and connection objects. */
  readonly replicas: readonly (string | ConnectionConfig)[]
  readonly replicaHealthCheckMs: number
  /** db.listen's direct URL (with its password; never printed). */
  readonly listenUrl: string | undefined
  readonly onHookError: ((error: unknown) => void) | undefined
  readonly logger: Logger
  /**
   * The password first (the URL's, decoded, or a connection object's string), then other spellings of it: for
   * redaction and comparison.
   */
  readonly secrets: readonly string[]
  /** PostgreSQL arrays of enums/domains/extension types to parse, from the metadata. */
  readonly arrayLookups: readonly PgArrayLookup[]
  /** How values written to the metadata's columns are converted (JSON, SET, point, …); undefined without metadata. */
  readonly columnWriters: ColumnWriters | undefined
}

const defaultLogger: Logger = { warn: (m) => process.emitWarning(m, { type: 'DbscopeWarning' }) }

function nonNegative(name: string, v: number | undefined, fallback: number): number {
  if (v === undefined) return fallback
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new ConfigError(`pool.${name} must be a number ≥ 0, got ${String(v)}.`)
  return v
}

function arrayLookupsOf(m: MetadataInput | undefined, dialect: DialectName): readonly PgArrayLookup[] {
  if (!m || dialect === 'mysql' || (m.dialect !== undefined && m.dialect !== 'postgres')) return []
  if (!m.enums || !m.tables || m.defaultSchema === undefined) return []
  return pgArrayLookups({ defaultSchema: m.defaultSchema, enums: m.enums, tables: m.tables })
}

/** Fills in defaults and validates; throws ConfigError on anything it cannot use. */
export function resolveConfig(config: DbConfig): ResolvedConfig {
  checkKeys(config)
  if (config.url !== undefined && config.connection !== undefined) {
    throw new ConfigError('Give defineDb either a url or a connection object, not both (the connection object replaces the url).')
  }
  const url = config.connection !== undefined ? connectionUrl(config.connection) : (config.url ?? (config.pglite ? undefined : process.env.DATABASE_URL))
  if (!url && !config.pglite) {
    throw new ConfigError('defineDb needs a url (or DATABASE_URL in the environment), a connection object, or a pglite instance.')
  }
  const dialect: DialectName = config.pglite ? 'pglite' : dialectOf(url!)
  const ssl = config.ssl === undefined ? undefined : validateSsl(config.ssl)
  if (ssl && dialect === 'pglite') throw new ConfigError('ssl does not apply to an embedded PGlite; remove it.')
  // Parsed here so that an unknown sslmode or unusable TLS material fails at defineDb, not on first use.
  if (url && dialect === 'postgres') postgresTls(url, ssl)
  if (url && dialect === 'mysql') mysqlTls(url, ssl)
  // Parsed here so that a bad host list or target_session_attrs fails at defineDb, not on first use.
  if (url && dialect !== 'pglite' && parseHostList(url).hosts.length > 1 && dialect !== 'postgres') {
    throw new ConfigError(`A multi-host URL (failover) is supported for PostgreSQL only, not ${dialect}: ${redactUrl(url)}.`)
  }
  const p = config.pool === false ? {} : (config.pool ?? {})
  const maxDefault = dialect === 'pglite' ? 1 : 10
  const max = nonNegative('max', p.max, maxDefault)
  if (max < 1) throw new ConfigError('pool.max must be at least 1.')
  const min = nonNegative('min', p.min, 0)
  if (min > max) throw new ConfigError(`pool.min (${min}) cannot exceed pool.max (${max}).`)
  const pool: ResolvedPool = {
    reuse: config.pool !== false,
    max: dialect === 'pglite' ? 1 : max,
    min: dialect === 'pglite' ? Math.min(min, 1) : min,
    acquireTimeoutMs: nonNegative('acquireTimeoutMs', p.acquireTimeoutMs, 10_000),
    idleTimeoutMs: nonNegative('idleTimeoutMs', p.idleTimeoutMs, 30_000),
    maxLifetimeMs: nonNegative('maxLifetimeMs', p.maxLifetimeMs, 0),
    prePing: p.prePing ?? false,
    connectTimeoutMs: nonNegative('connectTimeoutMs', p.connectTimeoutMs, 10_000),
    statementTimeoutMs: p.statementTimeoutMs === undefined ? undefined : nonNegative('statementTimeoutMs', p.statementTimeoutMs, 0),
    idleInTransactionTimeoutMs:
      p.idleInTransactionTimeoutMs === undefined ? undefined : nonNegative('idleInTransactionTimeoutMs', p.idleInTransactionTimeoutMs, 0),
    leakWarnMs: nonNegative('leakWarnMs', p.leakWarnMs, 30_000),
    endTimeoutMs: nonNegative('endTimeoutMs', p.endTimeoutMs, 30_000),
  }
  if (pool.endTimeoutMs < 1) throw new ConfigError('pool.endTimeoutMs must be at least 1 ms: the end of a scope always has a bound.')
  if (config.pooler !== undefined && (config.pooler !== 'pgbouncer' || dialect !== 'postgres')) {
    throw new ConfigError(
      `pooler: ${JSON.stringify(config.pooler)} is only supported as 'pgbouncer' in front of PostgreSQL (postgres:// URLs); ` +
        `this db is ${dialect}. Remove the pooler option or point the URL at PgBouncer.`,
    )
  }
  if (config.pooler === 'pgbouncer' && (pool.statementTimeoutMs !== undefined || pool.idleInTransactionTimeoutMs !== undefined)) {
    throw new ConfigError(
      'pool.statementTimeoutMs and pool.idleInTransactionTimeoutMs are session settings, which a transaction pooler ' +
        '(pooler: "pgbouncer") cannot keep. Set them for the role instead: ALTER ROLE app SET statement_timeout = \'15s\'.',
    )
  }
  const statementCache = config.statementCache ?? (config.pooler ? 0 : 100)
  if (!Number.isInteger(statementCache) || statementCache < 0) {
    throw new ConfigError(`statementCache must be an integer ≥ 0, got ${String(config.statementCache)}.`)
  }
  const replicas = config.replicas ?? []
  replicas.forEach((r, i) => {
    const rurl = typeof r === 'string' ? r : connectionUrl(r, `replicas[${i}]`)
    if (dialect === 'pglite' || dialectOf(rurl) !== dialect) {
      throw new ConfigError(`Replica ${redactUrl(rurl)} must use the same dialect as the primary (${dialect}, not PGlite).`)
    }
  })
  const g = config.guard ?? {}
  const envWorkers = process.env.DBSCOPE_WORKERS ? Number(process.env.DBSCOPE_WORKERS) : undefined
  const guard: Required<GuardConfig> = {
    owner: g.owner ?? 'throw',
    budget: g.budget ?? 'warn',
    workers: g.workers ?? envWorkers ?? 0, // 0: decided on first connect (cluster-aware)
    reserve: g.reserve ?? 3,
    foreignQuery: g.foreignQuery ?? 'warn',
  }
  const password = config.connection?.password === undefined ? undefined : new PasswordSource(config.connection.password)
  let secrets: string[] = typeof config.connection?.password === 'string' && config.connection.password !== '' ? [config.connection.password] : []
  if (url && !config.connection) {
    try {
      const u = new URL(firstHostUrl(url))
      if (u.password) secrets = [decodeURIComponent(u.password), u.password]
    } catch {
      /* dialectOf already validated */
    }
  }
  const types = resolveTypeOptions(config.types ?? config.metadata?.typeOptions)
  return {
    dialect,
    url,
    password,
    ssl,
    pglite: config.pglite,
    pool,
    types,
    camelCase: config.camelCase ?? config.metadata?.camelCase ?? false,
    applicationName: (config.applicationName ?? 'dbscope').slice(0, 63),
    guard,
    pooler: config.pooler,
    statementCache,
    replicas,
    replicaHealthCheckMs: nonNegative('replicaHealthCheckMs', config.replicaHealthCheckMs, 1_000),
    listenUrl: listenUrlOf(config.listenUrl, dialect),
    onHookError: config.onHookError,
    logger: config.logger ?? defaultLogger,
    ...observabilityOptions(config),
    secrets,
    arrayLookups: arrayLookupsOf(config.metadata, dialect),
    columnWriters: columnWritersOf(config.metadata, dialect, types),
  }
}
