/**
 * What a pool is built with and what it reports: its options, the events it raises, and its stats.
 *
 * @example
 * const pool = new Pool(connect, { max: 10, min: 0, acquireTimeoutMs: 5_000, … }, { leak: (c, ms) => warn(c, ms) })
 * pool.stats() // { total, idle, busy, waiting, oldestCheckoutMs }
 */
import type { Checkout } from './checkout.js'
import type { RawConnection } from './dialects/dialect.js'
import { PoolTimeoutError } from './errors.js'

export interface PoolOptions {
  /** Most connections open at once. */
  readonly max: number
  /** Connections kept open even when idle. */
  readonly min: number
  /** How long `acquire()` waits for a free connection before a PoolTimeoutError; 0 waits forever. */
  readonly acquireTimeoutMs: number
  /** An idle connection above `min` is closed after this long; 0 keeps it. */
  readonly idleTimeoutMs: number
  /** A connection older than this is closed when it next comes back or is picked; 0 keeps it. */
  readonly maxLifetimeMs: number
  /** Runs a ping before handing out a connection that sat idle; a dead one is replaced. */
  readonly prePing: boolean
  /** false: a connection per checkout, closed on release (SQLAlchemy's NullPool). */
  readonly reuse: boolean
  /** A checkout held longer than this is reported once, with its stack; 0 turns the watch off. */
  readonly leakWarnMs: number
}

export interface PoolStats {
  readonly total: number
  readonly idle: number
  readonly busy: number
  readonly waiting: number
  /** How long the longest-held checkout has been out, in ms; 0 when none is. */
  readonly oldestCheckoutMs: number
}

export interface PoolEvents {
  /** A checkout outlived `leakWarnMs`. */
  leak?(checkout: Checkout, heldMs: number): void
  /** A background error (idle connection died, a `min` top-up failed). Never thrown. */
  error?(err: Error): void
  /** The first connection ever opened (the guard reads the server's budget on it). */
  firstConnect?(raw: RawConnection): Promise<void>
}

/** The error of a caller that waited `acquireTimeoutMs` for a connection: the pool's state, and what to change. */
export function poolTimeout(opts: PoolOptions, s: PoolStats): PoolTimeoutError {
  return new PoolTimeoutError(
    `No connection became free within acquireTimeoutMs (${opts.acquireTimeoutMs} ms). Pool: ` +
      `max ${opts.max}, busy ${s.busy}, idle ${s.idle}, waiting ${s.waiting + 1}, oldest checkout ` +
      `${s.oldestCheckoutMs} ms. Raise pool.max, shorten transactions, or look for a leak (pool.leakWarnMs).`,
  )
}
