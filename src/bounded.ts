/**
 * A bound on one await on the network: the answer, or after `ms` the TIMED_OUT marker, so that a silent connection
 * (a network partition: no answer, no close) can never hold its caller forever. The caller then destroys the
 * connection; the late answer or failure, if it ever comes, is dropped.
 *
 * @example
 * const r = await within(conn.query('ROLLBACK', []), 1_000)
 * if (r === TIMED_OUT) conn.destroy()
 */

/** What `within` resolves to when the work did not settle in time. */
export const TIMED_OUT: unique symbol = Symbol('dbscope.timedOut')

const noop = (): void => undefined

/** Settles as `work` does, or resolves to TIMED_OUT after `ms` (its later rejection is then ignored). */
export function within<T>(work: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  return new Promise<T | typeof TIMED_OUT>((resolve, reject) => {
    const timer = setTimeout(() => {
      work.catch(noop)
      resolve(TIMED_OUT)
    }, Math.max(0, ms))
    work.then(
      (v) => {
        clearTimeout(timer)
        resolve(v)
      },
      (e: unknown) => {
        clearTimeout(timer)
        reject(e)
      },
    )
  })
}
