/**
 * A Kysely dialect over an existing PGlite instance, for code that uses Kysely without dbscope's engine. Sessions are
 * serialised with the engine's own lock, so concurrent transactions never interleave on PGlite's single session, and
 * values are parsed as dbgen types them. It does not close the instance.
 *
 * @example
 * const db = new Kysely<DB>({ dialect: new PGliteDialect(await PGlite.create()) })
 */
import {
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
} from 'kysely'
import type { TypeOptions } from '../../types/type-options.js'
import { beginStatements } from '../begin.js'
import { SourceDriver } from '../kysely-driver.js'
import { loadDriver } from '../driver-packages.js'
import { openSession, parsersFrom, type PGliteConnection, type PGliteInstance, type Parsers } from './session.js'

/** A PGlite session as Kysely sees it. */
class SessionConnection implements DatabaseConnection {
  readonly session: PGliteConnection
  constructor(session: PGliteConnection) {
    this.session = session
  }
  executeQuery<R>(q: CompiledQuery): Promise<QueryResult<R>> {
    return this.session.query<R>(q.sql, q.parameters)
  }
  streamQuery<R>(q: CompiledQuery, chunkSize = 100): AsyncIterableIterator<QueryResult<R>> {
    return this.session.stream<R>(q.sql, q.parameters, chunkSize)
  }
}

export class PGliteDialect implements Dialect {
  readonly #pglite: PGliteInstance
  readonly #types: TypeOptions | undefined
  constructor(pglite: PGliteInstance, types?: TypeOptions) {
    this.#pglite = pglite
    this.#types = types
  }
  createDriver(): Driver {
    const pglite = this.#pglite
    const types = this.#types
    // pg's parsers are imported at the first session, so that importing dbscope never loads pg.
    let parsers: Promise<Parsers> | undefined
    const loadParsers = () =>
      (parsers ??= loadDriver('pglite', () => import('../postgres/parsers.js')).then(
        (m) => parsersFrom(m.postgresTypeParsers(types)),
        (err: unknown) => {
          parsers = undefined
          throw err
        },
      ))
    return new SourceDriver<SessionConnection>({
      acquire: async () => new SessionConnection(await openSession(pglite, await loadParsers())),
      release: (c) => c.session.destroy(),
      beginSql: (settings) => beginStatements('pglite', settings),
      destroy: async () => undefined,
    })
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
