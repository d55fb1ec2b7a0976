/**
 * A frame: the state a scope and its `tx` share, whether it is the outermost transaction (RootFrame) or a savepoint
 * inside it (SavepointFrame). The state is private; the run functions and the subclasses change it through methods.
 *
 * @example
 * const frame = new RootFrame(engine, ['BEGIN'], undefined, undefined)
 * await frame.execute(CompiledQuery.raw('SELECT 1')) // takes a connection, BEGIN goes with the statement
 * await frame.end(true)                               // COMMIT, release, afterCommit hooks
 */
import type { CompiledQuery, DatabaseConnection, KyselyProps, QueryResult } from 'kysely'
import type { Engine } from '../engine/engine.js'
import { ConfigError, QueryError, ScopeEndedError } from '../errors.js'
import { scopeExecutor, type StatementRunner } from './executor.js'
import type { Hook } from './hooks.js'
import type { RootFrame } from './root-frame.js'
import { settingError, type ScopeContext } from './session-context.js'

export type Consumer<T> = (connection: DatabaseConnection) => Promise<T>

/** How long a timed-out scope may spend cancelling and rolling back before its promise rejects anyway. */
const TIMEOUT_GRACE_MS = 250
const noop = (): void => undefined

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}

export abstract class Frame implements StatementRunner {
  readonly root: RootFrame
  /** The frame that was active in the async context when this one started (any engine's). */
  readonly parentInContext: Frame | undefined
  readonly props: KyselyProps
  /** The settings and role this scope runs with (its own merged over the enclosing scope's), if any. */
  readonly context: ScopeContext | undefined
  #ended = false
  /** The deadline passed: expire() ended the frame (within a grace), so the scope does not wait for it again. */
  #timedOut = false
  /** The failure that aborted this (sub)transaction: it can only roll back now. */
  #abortedBy: unknown = undefined
  #commitHooks: Hook[] | undefined
  #rollbackHooks: Hook[] | undefined
  /** The last nested scope started directly under this one: siblings run one after another. */
  #childTail: Promise<void> | undefined
  #ending: Promise<void> | undefined

  constructor(engine: Engine, root: RootFrame | undefined, parentInContext: Frame | undefined, context: ScopeContext | undefined) {
    this.root = root ?? (this as unknown as RootFrame)
    this.parentInContext = parentInContext
    this.context = context
    const p = engine.props
    this.props = { config: p.config, dialect: p.dialect, driver: p.driver, executor: scopeExecutor(engine, this) }
    // Assigned here rather than as a class field: a field's arrow gets a name, which esbuild (tsx) sets by a
    // defineProperty call on every scope.
    this.failed = (err) => {
      this.root.settled(undefined)
      this.noteFailure(err)
      throw this.context ? settingError(err, this.context) : err
    }
  }

  /** The frame has committed, rolled back or timed out: no statement of it runs any more. */
  get ended(): boolean {
    return this.#ended
  }

  get timedOut(): boolean {
    return this.#timedOut
  }

  /** The failure that aborted this (sub)transaction, if any. */
  get abortedBy(): unknown {
    return this.#abortedBy
  }

  /** Marks the (sub)transaction aborted by `err`, unless it already was: it can only roll back now. */
  markAborted(err: unknown): void {
    if (this.#abortedBy === undefined) this.#abortedBy = err
  }

  protected markEnded(): void {
    this.#ended = true
  }

  abstract provideConnection<T>(consumer: Consumer<T>): Promise<T>

  /** Runs one statement of this frame (the `tx` executor's path). */
  abstract execute<R>(q: CompiledQuery): Promise<QueryResult<R>>

  /** A failed statement of this frame: noted, then rethrown (one function per frame, not a closure per statement). */
  readonly failed: (err: unknown) => never

  addHook(commit: boolean, fn: Hook): void {
    if (this.#ended) throw new ScopeEndedError('This scope has ended: register afterCommit/afterRollback hooks inside its callback.')
    if (typeof fn !== 'function') throw new ConfigError('afterCommit/afterRollback take a function.')
    if (commit) (this.#commitHooks ??= []).push(fn)
    else (this.#rollbackHooks ??= []).push(fn)
  }

  /** Takes over hooks of a frame that ended inside this one: they run with this frame's outcome. */
  inheritHooks(commit: readonly Hook[] | undefined, rollback: readonly Hook[] | undefined): void {
    if (commit) (this.#commitHooks ??= []).push(...commit)
    if (rollback) (this.#rollbackHooks ??= []).push(...rollback)
  }

  /** The hooks registered for this outcome. */
  protected hooks(commit: boolean): readonly Hook[] | undefined {
    return commit ? this.#commitHooks : this.#rollbackHooks
  }

  /** Records a statement failure: on PostgreSQL any error aborts the (sub)transaction; on MySQL a deadlock the whole one. */
  noteFailure(err: unknown): void {
    if (!(err instanceof QueryError)) return
    if (this.root.engine.driver.name !== 'mysql') this.markAborted(err)
    else if (err.code === 'DEADLOCK') this.root.markAborted(err)
  }

  /**
   * Runs `start` once the nested scope started before it under this frame has finished: two savepoints interleaved
   * on one connection would roll back each other's work.
   */
  async afterSiblings<T>(start: () => Promise<T>): Promise<T> {
    const previous = this.#childTail
    let done!: () => void
    const mine = new Promise<void>((r) => (done = r))
    this.#childTail = mine
    try {
      if (previous) await previous
      return await start()
    } finally {
      if (this.#childTail === mine) this.#childTail = undefined
      done()
    }
  }

  /** Ends the frame once: commit (release) or roll back; later calls share the first one's outcome. */
  end(commit: boolean): Promise<void> {
    return (this.#ending ??= this.finishOnce(commit))
  }

  protected abstract finishOnce(commit: boolean): Promise<void>

  /**
   * At the deadline: no more statements; cancel the one running, then roll back. Resolves when that is done or after
   * a short grace, whichever comes first, so the scope rejects at the deadline; the cleanup finishes in the background.
   */
  expire(): Promise<void> {
    this.#timedOut = true
    this.#ended = true
    const cleanup = this.root.cancelRunning().then(() => this.end(false)).catch(noop)
    return Promise.race([cleanup, sleep(TIMEOUT_GRACE_MS)])
  }
}
