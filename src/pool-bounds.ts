/**
 * The pool's own waits on the network, each with a bound: a prePing, an idle connection's polite close at dispose,
 * and a cancel at dispose. A connection that misses its bound is destroyed (a polite close would wait on it too).
 *
 * @example
 * if (!(await pingWithin(raw, Date.now() + acquireTimeoutMs))) discard(raw) // already destroyed
 */
import { TIMED_OUT, within } from './bounded.js'
import type { RawConnection } from './dialects/dialect.js'

/** How long a prePing may wait for its answer (within acquireTimeoutMs) before the connection counts as dead. */
export const PING_TIMEOUT_MS = 2_000
/** How long dispose() waits for an idle connection's polite close, or for a cancel. */
export const CLOSE_WAIT_MS = 1_000

/** True if `raw` answered a ping within PING_TIMEOUT_MS and before `until`; otherwise it is destroyed, and false. */
export async function pingWithin(raw: RawConnection, until: number): Promise<boolean> {
  const answer = await within(raw.query('SELECT 1', []), Math.min(PING_TIMEOUT_MS, until - Date.now())).catch(() => TIMED_OUT)
  if (answer !== TIMED_OUT) return true
  raw.destroy()
  return false
}

/** Closes `raw` politely within CLOSE_WAIT_MS, else drops its socket. */
export async function closeWithin(raw: RawConnection): Promise<void> {
  if ((await within(raw.close(), CLOSE_WAIT_MS)) === TIMED_OUT) raw.destroy()
}

/** Runs `cancel` on `raw` for at most CLOSE_WAIT_MS. Never throws. */
export async function cancelWithin(raw: RawConnection, cancel: (raw: RawConnection) => Promise<void>): Promise<void> {
  await within(cancel(raw), CLOSE_WAIT_MS).catch(() => undefined)
}
