/**
 * A pooled connection as the pool hands it out, and where it was taken: the record the leak watch reports from.
 *
 * @example
 * const origin = captureOrigin(3, db.scope, 'chargeCard') // cheap: the stack is formatted only if a leak is reported
 */
import type { RawConnection } from './dialects/dialect.js'

/** Where a checkout was taken: a captured stack, formatted only when read (by a leak warning). */
export interface Origin {
  readonly stack?: string
  /** The scope callback's name, when a scope took it. */
  readonly scope?: string | undefined
}

/**
 * Whether `acquire()` records where it was called, for the leak warning: `true` captures the stack there, `false`
 * records nothing, and an Origin is one the caller captured itself, closer to the application's code (a scope
 * captures where it begins, so that the frames kept are the application's, not dbscope's).
 */
export type Trace = boolean | Origin

/** A pooled connection as handed out by `acquire()`. */
export interface Checkout {
  readonly raw: RawConnection
  readonly id: number
  readonly createdAt: number
  /** When it was handed out (ms since epoch); 0 while idle. */
  checkedOutAt: number
  lastUsedAt: number
  /** Where it was taken, for the leak warning (not captured for single db.kysely statements). */
  origin: Origin | undefined
  /** The last statement sent on it, for the leak warning. */
  lastSql: string | undefined
  leakReported: boolean
  /** dispose() cut it after its grace: its statement was cancelled, and nothing more may run on it. */
  cut: boolean
  /**
   * A statement changed the session beyond its transaction (see session-state.ts): 'reset' — the pool resets the
   * connection before it hands it out again; 'discard' — the pool closes it. 'clean' otherwise.
   */
  session: 'clean' | 'reset' | 'discard'
}

/** Frames kept when the pool captures (`trace` true): from inside the pool, so more of them are dbscope's. */
const CALLER_FRAMES = 15

/**
 * Records where a connection is being taken, for the leak warning, without formatting the stack (V8 formats
 * `stack` lazily, on first read). Frames from `from`'s caller on are kept. Every frame walked, skipped or kept, is
 * summarized by V8, and an optimized one is expanded into its inlined calls: on Node 20 that is 8–13 µs for a scope
 * called from hot application code, whatever the count kept, which is why a scope captures once, where it begins.
 */
export function captureOrigin(frames = CALLER_FRAMES, from: Function = captureOrigin, scope?: string): Origin {
  const origin: { stack?: string; scope: string | undefined } = { scope }
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = frames
  Error.captureStackTrace(origin, from)
  Error.stackTraceLimit = limit
  return origin
}
