/**
 * The async context of active scopes (AsyncLocalStorage). Kept on globalThis, like the engine registry, so that a
 * module evaluated again (hot reload) still sees the scopes opened by its earlier version: nesting and the
 * foreign-query guard keep working.
 *
 * @example
 * const result = await runInContext(frame, fn, tx) // inside fn, activeFrame(engine) is `frame`
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import type { Engine } from '../engine/engine.js'
import { ScopeEndedError } from '../errors.js'
import type { Frame } from './frame.js'

const ALS_KEY = Symbol.for('dbscope.scope-context.v1')
const als: AsyncLocalStorage<Frame> = ((globalThis as unknown as Record<symbol, AsyncLocalStorage<Frame> | undefined>)[ALS_KEY] ??=
  new AsyncLocalStorage<Frame>())

/** The innermost frame of any engine active here, live or not. */
export function currentFrame(): Frame | undefined {
  return als.getStore()
}

/** Runs `fn(arg)` with `frame` as the innermost active frame. */
export function runInContext<A, T>(frame: Frame, fn: (arg: A) => T, arg: A): T {
  return als.run(frame, fn, arg)
}

/**
 * The innermost live frame of this engine's scopes in the current async context: scopes that run on it, and scopes of
 * its db that a readOnly scope routed to a replica (the engine is their `family`).
 */
export function activeFrame(engine: Engine): Frame | undefined {
  for (let f = als.getStore(); f; f = f.parentInContext) if (f.root.belongsTo(engine) && !f.ended && !f.root.ended) return f
  return undefined
}

/**
 * Like activeFrame, but refuses code that still runs for a scope that timed out: its work was rolled back, so a
 * db.scope() it starts must not quietly become a new transaction of its own. (Code that outlives a scope that ended
 * normally — a fire-and-forget task — starts a new scope as usual.)
 */
export function enclosingFrame(engine: Engine): Frame | undefined {
  for (let f = als.getStore(); f; f = f.parentInContext) {
    if (!f.root.belongsTo(engine)) continue
    if (!f.ended && !f.root.ended) return f
    if (f.timedOut || f.root.timedOut) {
      throw new ScopeEndedError('This code runs for a scope that timed out and was rolled back; it cannot start another scope.')
    }
  }
  return undefined
}
