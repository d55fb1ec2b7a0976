/**
 * A scope's deadline (`timeoutMs`): at the deadline the frame is expired (its statement cancelled, its work rolled
 * back) and the scope rejects with ScopeTimeoutError, without waiting for its callback.
 *
 * @example
 * const result = await withDeadline(work, 5_000, frame)
 */
import { ScopeTimeoutError } from '../errors.js'
import type { Frame } from './frame.js'

/** Resolves with `work`, or at `ms` ends the frame (cancel, rollback) and rejects with ScopeTimeoutError. */
export function withDeadline<T>(work: Promise<T>, ms: number, frame: Frame): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let expired = false
    const timer = setTimeout(() => {
      expired = true
      frame.expire().then(
        () => reject(new ScopeTimeoutError(ms)),
        (err: unknown) => reject(new ScopeTimeoutError(ms, { cause: err })),
      )
    }, ms)
    Promise.resolve(work).then(
      (v) => {
        if (expired) return
        clearTimeout(timer)
        resolve(v)
      },
      (e: unknown) => {
        if (expired) return
        clearTimeout(timer)
        reject(e)
      },
    )
  })
}
