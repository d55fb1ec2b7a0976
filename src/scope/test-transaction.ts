/**
 * `db.beginTestTransaction()`: one transaction, on one connection, that every scope and every `db.kysely` statement
 * of the db joins while it is open — each as a savepoint, one after another — and that `rollback()` undoes whole.
 * Inner scopes behave as in production: a throw rolls back to its savepoint, afterCommit hooks run when the scope
 * "commits" (releases its savepoint).
 *
 * @example
 * const t = await db.beginTestTransaction()
 * await db.scope((tx) => tx.insertInto('users').values(row).execute()) // a savepoint inside t
 * await t.rollback() // nothing is left
 */
import { CompiledQuery, type QueryResult } from 'kysely'
import type { Engine } from '../engine/engine.js'
import { ConfigError } from '../errors.js'
import { currentFrame } from './context.js'
import { runHooks, type Hook } from './hooks.js'
import type { ScopeOptions } from './options.js'
import { beginFor } from './options.js'
import { RootFrame } from './root-frame.js'
import { runFrame } from './run.js'
import { SavepointFrame } from './savepoint-frame.js'
import type { ScopeContext } from './session-context.js'
import type { ScopeTransaction } from './transaction.js'

/** The open test transaction's root: hooks handed up by its savepoints are kept for the scope that ended to run. */
class TestRootFrame extends RootFrame {
  #pending: { hooks: readonly Hook[] } | undefined
  warnedRequiresNew = false

  /** A savepoint directly inside the test transaction ended: its hooks run now, not at the (rolled-back) end. */
  override inheritHooks(commit: readonly Hook[] | undefined, rollback: readonly Hook[] | undefined): void {
    // A commit hands (commit hooks, rollback hooks); a rollback hands its rollback hooks as both.
    const hooks = commit === rollback ? rollback : commit
    if (hooks && hooks.length > 0) this.#pending = { hooks: [...(this.#pending?.hooks ?? []), ...hooks] }
  }

  takePending(): readonly Hook[] | undefined {
    const p = this.#pending
    this.#pending = undefined
    return p?.hooks
  }
}

const open = new WeakMap<Engine, TestRootFrame>()

/** The open test transaction of this engine (the db's primary), if any. */
export function testTransactionOf(engine: Engine): RootFrame | undefined {
  return open.get(engine)
}

/** What `db.beginTestTransaction()` returns. */
export class TestTransaction {
  readonly #engine: Engine
  readonly #root: TestRootFrame
  #done: Promise<void> | undefined

  /** @internal */
  constructor(engine: Engine, root: TestRootFrame) {
    this.#engine = engine
    this.#root = root
  }

  /**
   * Rolls back everything done since `beginTestTransaction()` (after the scopes still running), releases the
   * connection, and lets scopes commit normally again. Safe to call twice.
   *
   * @example
   * afterEach(() => t.rollback())
   */
  rollback(): Promise<void> {
    return (this.#done ??= (async () => {
      await this.#root.afterSiblings(async () => undefined)
      if (open.get(this.#engine) === this.#root) open.delete(this.#engine)
      this.#engine.testStatement = undefined
      await this.#root.end(false)
    })())
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.rollback()
  }
}

/** Opens the test transaction: BEGIN now, on a connection it keeps until rollback(). */
export async function beginTestTransaction(engine: Engine): Promise<TestTransaction> {
  engine.assertUsable()
  if (open.has(engine)) {
    throw new ConfigError('A test transaction is already open on this db: call rollback() on it (in afterEach) before beginning the next one.')
  }
  if (engine.config.pooler !== undefined) {
    throw new ConfigError(
      "db.beginTestTransaction() is refused behind pooler: 'pgbouncer': point the test db at PostgreSQL itself (a test " +
        'transaction holds one server connection for the whole test).',
    )
  }
  const root = new TestRootFrame(engine, beginFor(engine, {}), undefined, undefined)
  open.set(engine, root)
  try {
    if (engine.config.dialect === 'postgres') {
      const r = await root.execute<{ standby: boolean }>(CompiledQuery.raw('SELECT pg_is_in_recovery() AS standby'))
      if (r.rows[0]?.standby) {
        throw new ConfigError('db.beginTestTransaction() needs a writable primary, and this db points at a read-only standby (replica). Point it at the primary.')
      }
    } else await root.execute(CompiledQuery.raw('SELECT 1'))
  } catch (err) {
    open.delete(engine)
    await root.end(false).catch(() => undefined)
    throw err
  }
  // Held for the whole test on purpose: not a leak to warn about.
  const checkout = root.connection?.checkout as { leakReported?: boolean } | undefined
  if (checkout) checkout.leakReported = true
  engine.testStatement = (q) => statementInTest(engine, root, q)
  return new TestTransaction(engine, root)
}

/** A `db.kysely` statement while the test transaction is open: in a savepoint of its own, so a failure undoes only it. */
function statementInTest<R>(engine: Engine, root: RootFrame, q: CompiledQuery): Promise<QueryResult<R>> {
  return root.afterSiblings(async () => {
    const frame = new SavepointFrame(engine, root, currentFrame())
    let result: QueryResult<R>
    try {
      result = await frame.execute<R>(q)
    } catch (err) {
      await frame.end(false).catch(() => undefined)
      throw err
    }
    await frame.end(true)
    return result
  })
}

/**
 * A scope nested in another while the test transaction is open and asking for 'requiresNew': it cannot be independent
 * of the test transaction, so it becomes a savepoint of the enclosing scope (a one-time warning says so).
 */
export function requiresNewInTest(engine: Engine, testRoot: RootFrame, opts: ScopeOptions): ScopeOptions {
  warnRequiresNew(engine, testRoot as TestRootFrame)
  return { ...opts, propagation: 'nested', isolation: undefined, readOnly: undefined }
}

function warnRequiresNew(engine: Engine, root: TestRootFrame): void {
  if (root.warnedRequiresNew) return
  root.warnedRequiresNew = true
  engine.warn(
    "A scope with propagation 'requiresNew' runs as a savepoint inside the test transaction (db.beginTestTransaction()): " +
      'it cannot be independent of it here, so its work is rolled back with the test.',
  )
}

/**
 * A scope that would start a transaction of its own while the test transaction is open: a savepoint inside it, after
 * the scopes queued before it; its hooks run once its savepoint is released or rolled back.
 */
export async function runInTest<DB, T>(
  engine: Engine,
  testRoot: RootFrame,
  fn: (tx: ScopeTransaction<DB>) => Promise<T>,
  opts: ScopeOptions,
  context?: ScopeContext,
): Promise<T> {
  const root = testRoot as TestRootFrame
  if (opts.propagation === 'requiresNew') warnRequiresNew(engine, root)
  let hooks: readonly Hook[] | undefined
  try {
    return await root.afterSiblings(async () => {
      try {
        return await runFrame(new SavepointFrame(engine, root, currentFrame(), context), fn, opts.timeoutMs)
      } finally {
        hooks = root.takePending()
      }
    })
  } finally {
    if (hooks) await runHooks(engine, hooks)
  }
}
