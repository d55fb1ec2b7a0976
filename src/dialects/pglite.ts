/**
 * Embedded PostgreSQL (PGlite): one session, so every checkout takes a per-instance lock until it is released,
 * and values are parsed by the same parsers as node-postgres so generated types hold on both.
 *
 * @example
 * const pglite = new PGlite()
 * const db = new Kysely<DB>({ dialect: new PGliteDialect(pglite) })
 */
import {
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
  type TransactionSettings,
  CompiledQuery,
} from 'kysely'
import type { PgArrayLookup } from '../../codegen/type-map.js'
import type { TypeOptions } from '../type-options.js'
import { beginStatements } from './begin.js'
import { inChunks, type DialectDriver, type RawConnection } from './dialect.js'
import { lookUpArrays, postgresTypeParsers, type PostgresTypeParsers } from './postgres.js'
import { classifyPostgresError, isPostgresConnectionError } from './postgres-errors.js'

/** The OIDs whose node-postgres parser is applied to PGlite results (scalars and their arrays). */
const PARSED_OIDS = [
  16, 1000, 17, 1001, 20, 1016, 21, 1005, 23, 1007, 26, 1028, 700, 1021, 701, 1022, 114, 199, 3802, 3807, 1082, 1182,
  1114, 1115, 1184, 1185, 1186, 1187, 1700, 1231, 600, 1017, 1009, 1015, 2951,
]

type Parsers = Record<number, (text: string) => unknown>

/** PGlite `parsers` equal to node-postgres's parsers under these TypeOptions. */
export function pgliteParsers(options: TypeOptions | undefined): Parsers {
  return parsersFrom(postgresTypeParsers(options), PARSED_OIDS)
}

function parsersFrom(types: PostgresTypeParsers, oids: readonly number[]): Parsers {
  return Object.fromEntries(oids.map((oid) => [oid, types.getTypeParser(oid, 'text')]))
}

/**
 * The part of a PGlite instance dbscope uses. Structural, so that dbscope's published types never pull in PGlite's
 * own declaration files; a real `PGlite` fits it.
 */
export interface PGliteInstance {
  readonly waitReady: Promise<void>
  query<T = Record<string, unknown>>(
    sql: string,
    params?: unknown[],
    options?: { parsers?: Record<number, (value: string, typeId: number) => unknown> },
  ): Promise<{ rows: T[]; affectedRows?: number }>
  close(): Promise<void>
}

/** A FIFO lock per PGlite instance: PGlite has one session, so a transaction must own it until it ends. */
class SessionLock {
  #tail: Promise<void> = Promise.resolve()
  acquire(): Promise<() => void> {
    let release!: () => void
    const next = new Promise<void>((r) => (release = r))
    const ready = this.#tail.then(() => release)
    this.#tail = this.#tail.then(() => next)
    return ready
  }
}

const locks = new WeakMap<PGliteInstance, SessionLock>()
function lockFor(pglite: PGliteInstance): SessionLock {
  let l = locks.get(pglite)
  if (!l) locks.set(pglite, (l = new SessionLock()))
  return l
}

function toQueryResult<R>(res: { rows: unknown[]; affectedRows?: number; command?: string }): QueryResult<R> {
  const c = res.command
  if (c === 'INSERT' || c === 'UPDATE' || c === 'DELETE' || c === 'MERGE') {
    return { numAffectedRows: BigInt(res.affectedRows ?? 0), rows: res.rows as R[] }
  }
  return { rows: res.rows as R[] }
}

class PGliteConnection implements RawConnection {
  readonly #pglite: PGliteInstance
  readonly #parsers: Record<number, (text: string) => unknown>
  #release: (() => void) | undefined
  readonly serverId = undefined
  readonly broken = false

  constructor(pglite: PGliteInstance, parsers: Record<number, (text: string) => unknown>, release: () => void) {
    this.#pglite = pglite
    this.#parsers = parsers
    this.#release = release
  }

  async query<R>(sql: string, params: readonly unknown[]): Promise<QueryResult<R>> {
    const res = await this.#pglite.query(sql, params as unknown[], { parsers: this.#parsers })
    return toQueryResult<R>(res as never)
  }

  async queryAfter<R>(prefix: string, sql: string, params: readonly unknown[]): Promise<QueryResult<R>> {
    await this.#pglite.query(prefix)
    return this.query<R>(sql, params)
  }

  stream<R>(sql: string, params: readonly unknown[], chunkSize: number): AsyncIterableIterator<QueryResult<R>> {
    return inChunks(() => this.query<R>(sql, params), chunkSize)
  }

  onBroken(): void {}

  async close(): Promise<void> {
    this.destroy()
  }

  /** Gives the session back; the PGlite instance itself stays open. */
  destroy(): void {
    const r = this.#release
    this.#release = undefined
    r?.()
  }
}

/** Opens a session on the instance: waits for the lock, which the returned connection holds until closed. */
async function openSession(pglite: PGliteInstance, parsers: Record<number, (text: string) => unknown>): Promise<PGliteConnection> {
  const release = await lockFor(pglite).acquire()
  try {
    await pglite.waitReady
  } catch (err) {
    release()
    throw err
  }
  return new PGliteConnection(pglite, parsers, release)
}

export interface PGliteDriverOptions {
  /** The instance, or a factory called on first use; a factory's instance is closed by `end()`. */
  readonly pglite: PGliteInstance | (() => PGliteInstance | Promise<PGliteInstance>)
  readonly types: TypeOptions | undefined
  /** Per-database array types (enums, domains, citext) from the generated metadata, looked up on first use. */
  readonly arrayLookups?: readonly PgArrayLookup[]
}

/** The engine's PGlite driver: pool size 1, one session, the same parsers as node-postgres. */
export function createPGliteDriver(options: PGliteDriverOptions): DialectDriver {
  const types = postgresTypeParsers(options.types)
  // One record, shared by every session: the per-database array parsers are added to it once they are looked up.
  const parsers = parsersFrom(types, PARSED_OIDS)
  let arraysReady = (options.arrayLookups ?? []).length === 0
  let instance: Promise<PGliteInstance> | undefined
  const owned = typeof options.pglite === 'function'
  const get = () => (instance ??= Promise.resolve(typeof options.pglite === 'function' ? options.pglite() : options.pglite))
  return {
    name: 'pglite',
    maxPoolSize: 1,
    async connect() {
      const session = await openSession(await get(), parsers)
      if (!arraysReady) {
        try {
          const found = await lookUpArrays(session, options.arrayLookups ?? [])
          types.addArrayParsers(found)
          Object.assign(parsers, parsersFrom(types, found.map((f) => f.oid)))
          arraysReady = true
        } catch (err) {
          session.destroy()
          throw classifyPostgresError(err)
        }
      }
      return session
    },
    async cancel() {
      // One in-process session: a running statement cannot be interrupted; the scope still rolls back after it.
    },
    beginSql: (settings: TransactionSettings) => beginStatements('pglite', settings),
    async readBudget() {
      return { maxConnections: Number.POSITIVE_INFINITY, reserved: 0, usedByOthers: 0 }
    },
    classify: classifyPostgresError,
    isConnectionError: isPostgresConnectionError,
    createQueryCompiler: () => new PostgresQueryCompiler(),
    createAdapter: () => new PostgresAdapter(),
    createIntrospector: (db: Kysely<any>) => new PostgresIntrospector(db),
    async end() {
      if (owned && instance) await (await instance).close()
      instance = undefined
    },
  }
}

class PGliteKyselyConnection implements DatabaseConnection {
  constructor(readonly raw: PGliteConnection) {}
  executeQuery<R>(q: CompiledQuery): Promise<QueryResult<R>> {
    return this.raw.query<R>(q.sql, q.parameters)
  }
  streamQuery<R>(q: CompiledQuery, chunkSize = 100): AsyncIterableIterator<QueryResult<R>> {
    return this.raw.stream<R>(q.sql, q.parameters, chunkSize)
  }
}

class PGliteKyselyDriver implements Driver {
  constructor(
    readonly pglite: PGliteInstance,
    readonly parsers: Record<number, (text: string) => unknown>,
  ) {}
  async init(): Promise<void> {}
  async acquireConnection(): Promise<DatabaseConnection> {
    return new PGliteKyselyConnection(await openSession(this.pglite, this.parsers))
  }
  async beginTransaction(c: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    for (const s of beginStatements('pglite', settings)) await c.executeQuery(CompiledQuery.raw(s))
  }
  async commitTransaction(c: DatabaseConnection): Promise<void> {
    await c.executeQuery(CompiledQuery.raw('COMMIT'))
  }
  async rollbackTransaction(c: DatabaseConnection): Promise<void> {
    await c.executeQuery(CompiledQuery.raw('ROLLBACK'))
  }
  async releaseConnection(c: DatabaseConnection): Promise<void> {
    ;(c as PGliteKyselyConnection).raw.destroy()
  }
  async destroy(): Promise<void> {}
}

/**
 * A Kysely dialect over an existing PGlite instance, serialised with the engine's own lock so that concurrent
 * transactions never interleave on PGlite's single session. It does not close the instance.
 *
 * @example
 * const db = new Kysely<DB>({ dialect: new PGliteDialect(await PGlite.create()) })
 */
export class PGliteDialect implements Dialect {
  readonly #pglite: PGliteInstance
  readonly #types: TypeOptions | undefined
  constructor(pglite: PGliteInstance, types?: TypeOptions) {
    this.#pglite = pglite
    this.#types = types
  }
  createDriver(): Driver {
    return new PGliteKyselyDriver(this.#pglite, pgliteParsers(this.#types))
  }
  createQueryCompiler() {
    return new PostgresQueryCompiler()
  }
  createAdapter() {
    return new PostgresAdapter()
  }
  createIntrospector(db: Kysely<any>) {
    return new PostgresIntrospector(db)
  }
}
