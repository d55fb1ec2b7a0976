/**
 * The reset of a connection whose session a statement changed (see session-state.ts), before the pool hands it out
 * again: bounded, so that a reset that hangs ends as one that failed — and a connection whose reset cannot be shown to
 * have happened is closed, never reused.
 *
 * @example
 * resetWithin(conn, RESET_TIMEOUT_MS).then(() => reuse(conn), (err) => log(err)) // destroyed on failure
 */
import type { RawConnection } from './dialects/dialect.js'

/** How long a reset may take before the connection is given up (closed) instead. */
export const RESET_TIMEOUT_MS = 5_000

/**
 * Resolves once `raw` reset its session. When the reset failed or took longer than `ms`, destroys `raw` and rejects
 * with an error that says so.
 */
export function resetWithin(raw: RawConnection, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`it took longer than ${ms} ms`)), ms)
    timer.unref()
  })
  return Promise.race([raw.reset(), late]).then(
    () => clearTimeout(timer),
    (err: unknown) => {
      clearTimeout(timer)
      raw.destroy()
      const why = err instanceof Error ? err.message : String(err)
      throw new Error(`A connection was closed instead of reused: its session could not be reset (${why}).`)
    },
  )
}
