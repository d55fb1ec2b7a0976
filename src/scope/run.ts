/**
 * The entry points of the scope layer: run a callback as an outermost scope, a savepoint nested in the active one,
 * or joined to it; or open a manual transaction. The frame ends with commit on success and rollback on any throw.
 *
 * @example
 * const user = await runScope(engine, async (tx) => tx.selectFrom('users').selectAll().executeTakeFirst())
 */
import { captureOrigin, type Origin } from '../checkout.js'
import type { Engine } from '../engine/engine.js'
import { ConfigError } from '../errors.js'
import { currentFrame, enclosingFrame, runInContext } from './context.js'
import { withDeadline } from './deadline.js'
import type { Frame } from './frame.js'
import { BEGIN_KEYS, beginFor, checkOptions, type BeginOptions, type ScopeOptions } from './options.js'
import { runWithRetry } from './retry.js'
import { RootFrame } from './root-frame.js'
import { SavepointFrame } from './savepoint-frame.js'
import { requiresNewInTest, runInTest, testTransactionOf } from './test-transaction.js'
import { contextOf, type ScopeContext } from './session-context.js'
import { ManualTransaction, ScopeTransaction } from './transaction.js'

const noop = (): void => undefined

/**
 * Runs `fn` in a scope of `engine`: see `Db.scope`. `family` is the db's primary engine when `engine` is a replica that
 * a readOnly scope was routed to: scopes nested in it find it through either engine.
 */
export function runScope<DB, T>(
  engine: Engine,
  fn: (tx: ScopeTransaction<DB>) => Promise<T>,
  opts: ScopeOptions = {},
  family: Engine = engine,
): Promise<T> {
  let outer: Frame | undefined
  let context: ScopeContext | undefined
  try {
    if (typeof fn !== 'function') throw new ConfigError(`db.scope() takes a function, such as db.scope(async (tx) => …), got ${kindOf(fn)}.`)
    engine.assertUsable()
    checkOptions(opts)
    context = contextOf(opts, 'db.scope')
    outer = enclosingFrame(family)
  } catch (err) {
    return Promise.reject(err)
  }
  // While db.beginTestTransaction() is open, every scope joins it (see test-transaction.ts).
  const test = testTransactionOf(family)
  if (test && !outer) return runInTest(family, test, fn, opts, context)
  if (test && opts.propagation === 'requiresNew') opts = requiresNewInTest(family, test, opts)
  if (outer && opts.propagation === 'requiresNew' && outer.root.connection && engine.pool.options.max <= 1) {
    return Promise.reject(
      new ConfigError(
        "propagation 'requiresNew' needs a second connection, but the pool has one (pool.max 1, or PGlite's single " +
          "session) and the enclosing scope holds it, so it would wait forever. Use 'nested', or raise pool.max.",
      ),
    )
  }
  if (outer && opts.propagation !== 'requiresNew') {
    if (opts.isolation !== undefined || opts.readOnly !== undefined) {
      return Promise.reject(
        new ConfigError(
          'isolation and readOnly can only be set on the outermost scope, and this one is nested. Use ' +
            "propagation: 'requiresNew' for a separate transaction with its own settings.",
        ),
      )
    }
    if (context && opts.propagation === 'required') {
      return Promise.reject(
        new ConfigError(
          "settings and role cannot be set on a scope with propagation 'required', which has no end of its own to " +
            "restore them at: use 'nested' (the default) to apply them until this scope ends.",
        ),
      )
    }
    // A savepoint on the connection the enclosing transaction holds, which may be a replica's.
    return opts.propagation === 'required' ? runJoined(outer, fn, opts) : runNested(outer.root.engine, outer, fn, opts, context)
  }
  const active = currentFrame()
  const origin = scopeOrigin(engine, runScope, typeof fn === 'function' ? fn.name : '')
  const span = engine.observer?.scope(opts, fn.name)
  if (span) {
    const attempt = span.attempt(() => runRoot(engine, fn, opts, active, origin, family, context))
    return span.run(opts.retry === undefined ? attempt : () => runWithRetry(opts, attempt))
  }
  if (opts.retry === undefined) return runRoot(engine, fn, opts, active, origin, family, context)
  return runWithRetry(opts, () => runRoot(engine, fn, opts, active, origin, family, context))
}

/** `nothing`, `null`, `a string`, `an object`: what was passed instead of a function. */
function kindOf(v: unknown): string {
  if (v === undefined) return 'nothing'
  if (v === null) return 'null'
  return `${/^[aeiou]/.test(typeof v) ? 'an' : 'a'} ${typeof v}`
}

/** Frames kept of where a scope began: the public method's (left out of the warning) and two of its callers'. */
const SCOPE_FRAMES = 3

/**
 * Where an outermost scope begins, for the leak warning: the stack above `from`, plus the callback's name. Captured
 * once per scope, here rather than at its first statement, where Kysely's frames would come first and cost as much.
 */
function scopeOrigin(engine: Engine, from: Function, name: string): Origin | undefined {
  return engine.config.pool.leakWarnMs > 0 ? captureOrigin(SCOPE_FRAMES, from, name || undefined) : undefined
}

/** Opens a manual transaction (not entered into the async context): see `Db.begin`. */
export function beginManual<DB>(
  engine: Engine,
  opts: BeginOptions = {},
  family: Engine = engine,
): ManualTransaction<DB> {
  engine.assertUsable()
  checkOptions(opts, 'db.begin', BEGIN_KEYS)
  const context = contextOf(opts, 'db.begin')
  const frame = new RootFrame(engine, beginFor(engine, opts, context), undefined, scopeOrigin(engine, beginManual, ''), family, context)
  return new ManualTransaction<DB>(frame.props, frame)
}

function runRoot<DB, T>(
  engine: Engine,
  fn: (tx: ScopeTransaction<DB>) => Promise<T>,
  opts: ScopeOptions,
  context: Frame | undefined,
  origin: Origin | undefined,
  family: Engine,
  own: ScopeContext | undefined,
): Promise<T> {
  return runFrame(new RootFrame(engine, beginFor(engine, opts, own), context, origin, family, own), fn, opts.timeoutMs)
}

/** Runs `fn` with `frame` as the active scope: its end commits on success and rolls back on a throw or the deadline. */
export async function runFrame<DB, T>(frame: Frame, fn: (tx: ScopeTransaction<DB>) => Promise<T>, timeoutMs: number | undefined): Promise<T> {
  let result: T
  try {
    const work = runInContext(frame, fn, new ScopeTransaction<DB>(frame.props, frame))
    result = timeoutMs === undefined ? await work : await withDeadline(work, timeoutMs, frame)
  } catch (err) {
    // A timed-out frame was already ended by expire(), within its grace.
    if (!frame.timedOut) await frame.end(false).catch(noop)
    throw err
  }
  await frame.end(true)
  return result
}

/** A nested scope: a savepoint on the root's connection, after any sibling still running. */
function runNested<DB, T>(
  engine: Engine,
  parent: Frame,
  fn: (tx: ScopeTransaction<DB>) => Promise<T>,
  opts: ScopeOptions,
  own: ScopeContext | undefined,
): Promise<T> {
  return parent.afterSiblings(() => runFrame(new SavepointFrame(engine, parent, currentFrame(), own), fn, opts.timeoutMs))
}

/** propagation 'required': run in the enclosing transaction; a throw marks it so that it can only roll back. */
async function runJoined<DB, T>(outer: Frame, fn: (tx: ScopeTransaction<DB>) => Promise<T>, opts: ScopeOptions): Promise<T> {
  if (opts.timeoutMs !== undefined) {
    throw new ConfigError("timeoutMs cannot be set on a scope with propagation 'required': set it on the enclosing scope, or use 'nested'.")
  }
  try {
    return await fn(new ScopeTransaction<DB>(outer.props, outer))
  } catch (err) {
    outer.markAborted(err)
    throw err
  }
}
