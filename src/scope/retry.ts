/**
 * Retry of a whole outermost scope on the failures that a second attempt can cure: serialization failures,
 * deadlocks, lock timeouts, stale prepared statements and a host that turned read-only after a failover (the next
 * attempt goes to the writable one), with jittered exponential backoff.
 *
 * @example
 * await db.scope(transfer, { isolation: 'serializable', retry: { attempts: 5 } })
 */
import { ConfigError, DbscopeError, type DbscopeErrorCode } from '../errors.js'
import { sleep } from './frame.js'
import type { RetryOptions, ScopeOptions } from './options.js'

const RETRYABLE_CODES: ReadonlySet<DbscopeErrorCode> = new Set<DbscopeErrorCode>(['SERIALIZATION_FAILURE', 'DEADLOCK', 'LOCK_TIMEOUT', 'STALE_STATEMENT', 'SERVER_READ_ONLY'])

/**
 * The default retry test: a serialization failure, deadlock, lock timeout, stale prepared statement or a server that
 * turned read-only (SERVER_READ_ONLY: the write was refused, nothing committed), itself or as the `cause`.
 *
 * @example
 * await db.scope(work, { retry: { attempts: 3, when: (e) => isRetryableByDefault(e) || e instanceof ConnectionLostError } })
 */
export function isRetryableByDefault(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof DbscopeError && RETRYABLE_CODES.has(e.code)) return true
  }
  return false
}

/** Runs `once` (a whole outermost scope) again on a retryable failure, with jittered exponential backoff. */
export async function runWithRetry<T>(opts: ScopeOptions, once: () => Promise<T>): Promise<T> {
  const retry: RetryOptions = typeof opts.retry === 'number' ? { attempts: opts.retry } : (opts.retry ?? {})
  const attempts = retry.attempts ?? 3
  if (!Number.isInteger(attempts) || attempts < 1) throw new ConfigError(`retry.attempts must be an integer ≥ 1, got ${String(attempts)}.`)
  const when = retry.when ?? isRetryableByDefault
  const base = retry.backoff?.baseMs ?? 10
  const cap = retry.backoff?.maxMs ?? 1_000
  for (let attempt = 1; ; attempt++) {
    try {
      return await once()
    } catch (err) {
      if (attempt >= attempts || !when(err)) throw err
      const d = Math.min(cap, base * 2 ** (attempt - 1))
      await sleep(d / 2 + Math.random() * (d / 2))
    }
  }
}
