/**
 * A nested scope's frame: a savepoint on the root's connection, created lazily with its first statement, released
 * or rolled back to at its end, its hooks handed to the enclosing frame.
 *
 * @example
 * const sp = new SavepointFrame(engine, parentFrame, als.getStore())
 * await sp.execute(CompiledQuery.raw('INSERT …')) // SAVEPOINT dbscope_sp_1 first
 * await sp.end(false)                              // ROLLBACK TO SAVEPOINT dbscope_sp_1
 */
import { CompiledQuery, type QueryResult } from 'kysely'
import type { Engine } from '../engine/engine.js'
import { TIMED_OUT, within } from '../bounded.js'
import { ConnectionLostError, TransactionAbortedError } from '../errors.js'
import { Frame, type Consumer } from './frame.js'
import { changesBetween, mergeContext, settingError, type ScopeContext } from './session-context.js'

/** A savepoint inside a root scope: same connection, its own rollback point and hooks. */
export class SavepointFrame extends Frame {
  readonly parent: Frame
  readonly name: string
  /** This scope has settings or a role of its own: applied after SAVEPOINT, the parent's restored at the end. */
  readonly #ownContext: boolean
  #created: Promise<void> | undefined

  constructor(engine: Engine, parent: Frame, parentInContext: Frame | undefined, own?: ScopeContext) {
    super(engine, parent.root, parentInContext, mergeContext(parent.context, own))
    this.parent = parent
    this.name = parent.root.nextSavepointName()
    this.#ownContext = own !== undefined
  }

  /** The statements that take the session from `from`'s settings and role to `to`'s. */
  #contextStatements(from: ScopeContext | undefined, to: ScopeContext | undefined): CompiledQuery[] {
    if (!this.#ownContext) return []
    const { settings, role } = changesBetween(from, to)
    return this.root.engine.driver.sessionContext.statements(settings, role)
  }

  async provideConnection<T>(consumer: Consumer<T>): Promise<T> {
    if (this.ended) throw this.root.endedError()
    await (this.#created ??= this.#create())
    return this.root.run(this, consumer)
  }

  async execute<R>(q: CompiledQuery): Promise<QueryResult<R>> {
    if (this.ended) throw this.root.endedError()
    await (this.#created ??= this.#create())
    return this.root.runStatement(this, q)
  }

  /** SAVEPOINT, lazily: after the enclosing savepoint's, and carrying BEGIN when it is the scope's first statement. */
  async #create(): Promise<void> {
    if (this.parent instanceof SavepointFrame) await this.parent.ensureCreated()
    const conn = await this.root.connect()
    if (this.ended || this.root.ended) throw this.root.endedError()
    await conn.send(CompiledQuery.raw(`SAVEPOINT ${this.name}`))
    if (this.context && this.#ownContext) this.root.touch(this.context)
    try {
      for (const q of this.#contextStatements(this.parent.context, this.context)) await conn.send(q, true)
    } catch (err) {
      this.noteFailure(err)
      throw this.context ? settingError(err, this.context) : err
    }
  }

  async ensureCreated(): Promise<void> {
    await (this.#created ??= this.#create())
  }

  /** RELEASE or ROLLBACK TO the savepoint; hooks move to the parent (commit) or wait for the root's end (rollback). */
  protected async finishOnce(commit: boolean): Promise<void> {
    this.markEnded()
    const root = this.root
    let failure: unknown
    if (commit && this.abortedBy !== undefined) {
      failure = new TransactionAbortedError(this.abortedBy)
      commit = false
    }
    const created = this.#created ? await this.#created.then(() => true, () => false) : false
    if (created && !root.ended && root.connection) {
      try {
        const verb = commit ? 'RELEASE SAVEPOINT' : 'ROLLBACK TO SAVEPOINT'
        const ms = root.engine.config.pool.endTimeoutMs
        const ended = async (): Promise<void> => {
          await root.connection!.control(CompiledQuery.raw(`${verb} ${this.name}`))
          // RELEASE keeps what SET LOCAL did inside the savepoint, and MySQL's session variables ignore both: put the
          // enclosing scope's settings and role back explicitly (ROLLBACK TO already did on PostgreSQL).
          if (commit || root.engine.driver.sessionContext.lifetime === 'session') {
            for (const q of this.#contextStatements(this.context, this.parent.context)) await root.connection!.control(q)
          }
        }
        if ((await within(ended(), ms)) === TIMED_OUT) {
          // The root's own end is bounded too: it destroys the connection when its ROLLBACK is not answered either.
          throw new ConnectionLostError('CONNECTION_LOST', `${verb} got no answer within pool.endTimeoutMs (${ms} ms): the transaction will be rolled back and its connection closed.`, { cause: undefined, retryable: true })
        }
      } catch (err) {
        // The savepoint is gone (MySQL ends the whole transaction on a deadlock) or the connection broke: the
        // transaction as a whole can only roll back now.
        root.markAborted(this.abortedBy ?? err)
        if (commit) failure = err
        commit = false
      }
    }
    if (commit) this.parent.inheritHooks(this.hooks(true), this.hooks(false))
    else {
      // The work is undone whatever the outer outcome: run these once the root has released the connection.
      const undone = this.hooks(false)
      root.inheritHooks(undone, undone)
    }
    if (failure !== undefined) throw failure
  }
}
