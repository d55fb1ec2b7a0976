/**
 * What a scope's callback receives: a Kysely `Transaction` bound to the scope, with after-commit and after-rollback
 * hooks; and its manual form, opened by `db.begin()`.
 *
 * @example
 * await db.scope(async (tx) => {
 *   await tx.insertInto('audit').values(row).execute()
 *   tx.afterCommit(() => queue.publish(row))
 * })
 */
import { Transaction, type KyselyPlugin, type KyselyProps } from 'kysely'
import { ConfigError } from '../errors.js'
import { notify } from '../listen/notify.js'
import type { Frame } from './frame.js'
import type { Hook } from './hooks.js'
import type { RootFrame } from './root-frame.js'

/**
 * A Kysely `Transaction` bound to one scope, plus after-commit and after-rollback hooks.
 *
 * @example
 * await db.scope(async (tx) => {
 *   await sql`UPDATE users SET visits = visits + 1 WHERE id = ${id}`.execute(tx)
 *   tx.afterCommit(() => cache.delete(`user:${id}`))
 * })
 */
export class ScopeTransaction<DB> extends Transaction<DB> {
  readonly #frame: Frame

  /** @internal */
  constructor(props: KyselyProps, frame: Frame) {
    super(props)
    this.#frame = frame
  }

  /**
   * Runs `fn` after the outermost transaction commits and its connection is back in the pool. Registered inside a
   * savepoint, it runs only if that savepoint's work is committed too. A hook that throws (or rejects) never undoes
   * the commit, never fails the scope and never touches the connection: its error goes to the db's `onHookError`
   * option, or is logged as a warning when that option is not set. Hooks run in order and are awaited.
   *
   * @example
   * tx.afterCommit(() => cache.delete(`user:${id}`))
   */
  afterCommit(fn: Hook): void {
    this.#frame.addHook(true, fn)
  }

  /**
   * Runs `fn` after this scope's work is rolled back — a savepoint's hook once the outermost scope has released the
   * connection, whatever its outcome. Errors are reported like `afterCommit`'s.
   *
   * @example
   * tx.afterRollback(() => metrics.increment('checkout.rolled_back'))
   */
  afterRollback(fn: Hook): void {
    this.#frame.addHook(false, fn)
  }

  /**
   * `SELECT pg_notify(channel, payload)` in this scope's transaction: delivered to listeners only if it commits.
   *
   * @example
   * await tx.notify('jobs', JSON.stringify({ id }))
   */
  notify(channel: string, payload?: string): Promise<void> {
    return notify(this, this.#frame.root.engine.config.dialect, channel, payload)
  }

  override withPlugin(plugin: KyselyPlugin): ScopeTransaction<DB> {
    return this.#derive(this.getExecutor().withPlugin(plugin))
  }
  override withoutPlugins(): ScopeTransaction<DB> {
    return this.#derive(this.getExecutor().withoutPlugins())
  }
  override withSchema(schema: string): ScopeTransaction<DB> {
    return this.#derive(super.withSchema(schema).getExecutor())
  }
  override withTables<T extends Record<string, Record<string, any>>>(): ScopeTransaction<DB & T> {
    return this.#derive(this.getExecutor()) as never
  }
  /** Not available in a scope: start a nested `db.scope()` instead (it becomes a savepoint). */
  override startTransaction(): never {
    throw new ConfigError('tx.startTransaction() is not available inside db.scope(); call db.scope() again to nest a savepoint.')
  }

  #derive(executor: KyselyProps['executor']): ScopeTransaction<DB> {
    return new ScopeTransaction<DB>({ ...this.#frame.props, executor }, this.#frame)
  }
}

/**
 * A transaction opened by hand with `db.begin()`. Dispose rolls back and releases unless `commit()` or `rollback()`
 * ran. It is not entered into the async context: `db.scope()` inside it does not nest.
 *
 * @example
 * await using tx = await db.begin()
 * await tx.insertInto('users').values(row).execute()
 * await tx.commit()
 */
export class ManualTransaction<DB> extends ScopeTransaction<DB> {
  readonly #root: RootFrame
  /** @internal */
  constructor(props: KyselyProps, root: RootFrame) {
    super(props, root)
    this.#root = root
  }
  /** Whether commit() or rollback() already ran. */
  get ended(): boolean {
    return this.#root.ended
  }
  /** Commits, releases, then runs afterCommit hooks. Throws the COMMIT's error (after rolling back) if it fails. */
  commit(): Promise<void> {
    return this.#root.finish(true)
  }
  /** Rolls back, releases, then runs afterRollback hooks. */
  rollback(): Promise<void> {
    return this.#root.finish(false)
  }
  /** Rolls back and releases if neither commit() nor rollback() ran. */
  override async [Symbol.asyncDispose](): Promise<void> {
    if (!this.#root.ended) await this.#root.end(false)
  }
}
