/**
 * The reset of a connection whose session a statement changed (see session-state.ts), before the pool hands it out
 * again: bounded, so that a reset that hangs ends as one that failed — and a connection whose reset cannot be shown to
 * have happened is closed, never reused.
 *
 * @example
 * resetWithin(conn, RESET_TIMEOUT_MS).then(() => reuse(conn), () => conn.destroy())
 */
import type { RawConnection } from './dialects/dialect.js'

/** How long a reset may take before the connection is given up (closed) instead. */
export const RESET_TIMEOUT_MS = 5_000

/** Resolves once `raw` reset its session; rejects when the reset failed or took longer than `ms`. */
export function resetWithin(raw: RawConnection, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`The session reset took longer than ${ms} ms.`)), ms)
    timer.unref()
  })
  return Promise.race([raw.reset(), late]).finally(() => clearTimeout(timer))
}
