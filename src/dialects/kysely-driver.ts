/**
 * The one Kysely `Driver` of dbscope: it takes connections from a source (an engine's pool, the next healthy
 * replica, a PGlite session) and gives them back to it, and speaks the dialect's transaction statements on them.
 *
 * @example
 * const driver = new SourceDriver({ acquire, release, beginSql: (s) => beginStatements('postgres', s), destroy })
 * new Kysely<DB>({ dialect: { createDriver: () => driver, … } })
 */
import {
  CompiledQuery,
  createQueryId,
  IdentifierNode,
  RawNode,
  type DatabaseConnection,
  type Driver,
  type QueryCompiler,
  type TransactionSettings,
} from 'kysely'

/** Where a driver's connections come from and go back to. */
export interface ConnectionSource<C extends DatabaseConnection> {
  acquire(): Promise<C>
  release(connection: C): void
  /** The statements that open a transaction with these settings. */
  beginSql(settings: TransactionSettings): readonly string[]
  /** What `Kysely.destroy()` does to the source. */
  destroy(): Promise<void>
}

const COMMIT = CompiledQuery.raw('COMMIT')
const ROLLBACK = CompiledQuery.raw('ROLLBACK')

export class SourceDriver<C extends DatabaseConnection> implements Driver {
  readonly #source: ConnectionSource<C>

  constructor(source: ConnectionSource<C>) {
    this.#source = source
  }

  async init(): Promise<void> {}

  acquireConnection(): Promise<DatabaseConnection> {
    return this.#source.acquire()
  }

  async beginTransaction(c: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    for (const s of this.#source.beginSql(settings)) await own(c, CompiledQuery.raw(s))
  }

  async commitTransaction(c: DatabaseConnection): Promise<void> {
    await own(c, COMMIT)
  }

  async rollbackTransaction(c: DatabaseConnection): Promise<void> {
    await own(c, ROLLBACK)
  }

  async savepoint(c: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await own(c, savepointCommand('savepoint', name, compile))
  }

  async rollbackToSavepoint(c: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await own(c, savepointCommand('rollback to', name, compile))
  }

  async releaseSavepoint(c: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await own(c, savepointCommand('release savepoint', name, compile))
  }

  async releaseConnection(c: DatabaseConnection): Promise<void> {
    this.#source.release(c as C)
  }

  destroy(): Promise<void> {
    return this.#source.destroy()
  }
}

/**
 * Runs a transaction statement of Kysely's `transaction()` as dbscope's own (see EngineConnection.executeQuery's
 * `own`), so that it is not refused as an application's BEGIN or COMMIT would be. A connection without the flag
 * ignores the extra argument.
 */
function own(c: DatabaseConnection, q: CompiledQuery): Promise<unknown> {
  return (c as { executeQuery(q: CompiledQuery, own: boolean): Promise<unknown> }).executeQuery(q, true)
}

/**
 * `trx.savepoint(name)` and its kin, with the name quoted by the dialect's compiler as Kysely's own drivers do, so
 * that `'order'`, `'my-sp'` or `'Sp 1'` work. `rollback to` and `release savepoint` are what both PostgreSQL and MySQL
 * accept.
 */
function savepointCommand(command: string, name: string, compile: QueryCompiler['compileQuery']): CompiledQuery {
  return compile(RawNode.createWithChildren([RawNode.createWithSql(`${command} `), IdentifierNode.create(name)]), createQueryId())
}
