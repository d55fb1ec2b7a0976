/**
 * The options of `db.scope()` and `db.begin()`: their types, their validation, and the BEGIN statements they make.
 *
 * @example
 * await db.scope(work, { isolation: 'serializable', retry: { attempts: 3 }, timeoutMs: 5_000 })
 */
import { CompiledQuery, type TransactionSettings } from 'kysely'
import type { Engine } from '../engine/engine.js'
import { ConfigError } from '../errors.js'
import { keysOf, unknownKeyProblem } from '../known-keys.js'
import { changesBetween, type ContextOptions, type ScopeContext } from './session-context.js'

/**
 * How a scope relates to one already active in the same async context.
 *
 * @example
 * await db.scope(async () => {
 *   await db.scope(audit, { propagation: 'requiresNew' }) // commits even if the outer scope rolls back
 * })
 */
export type Propagation = 'nested' | 'required' | 'requiresNew'

/**
 * When and how often the outermost scope re-runs its callback.
 *
 * @example
 * await db.scope(transfer, { isolation: 'serializable', retry: { attempts: 5, backoff: { baseMs: 20, maxMs: 500 } } })
 */
export interface RetryOptions {
  /** Total attempts, the first included (default 3 when `retry` is given). */
  readonly attempts?: number
  /** Exponential backoff from `baseMs` up to `maxMs`, with jitter: each wait is uniform in [d/2, d] (10 and 1 000 ms). */
  readonly backoff?: { readonly baseMs?: number; readonly maxMs?: number }
  /** Which errors to retry; default: serialization failures, deadlocks and lock timeouts (also as a `cause`). */
  readonly when?: (error: unknown) => boolean
}

/**
 * Options of `db.scope()`.
 *
 * @example
 * await db.scope(work, { isolation: 'repeatable read', readOnly: true, timeoutMs: 2_000 })
 */
export interface ScopeOptions {
  /** Isolation level of the transaction (outermost scope only). */
  readonly isolation?: 'read uncommitted' | 'read committed' | 'repeatable read' | 'serializable'
  /** `true` starts the transaction READ ONLY: a write fails on the server (outermost scope only). */
  readonly readOnly?: boolean
  /**
   * Reject at this deadline: the running statement is cancelled on the server, the work rolled back, and the promise
   * rejects with ScopeTimeoutError without waiting for the callback. On a nested scope it bounds that savepoint.
   * PGlite runs statements on the main thread, so there the deadline is seen between statements.
   */
  readonly timeoutMs?: number
  /** Re-run the callback on serialization failures and deadlocks. A number is `{ attempts }`. Only the outermost scope retries. */
  readonly retry?: RetryOptions | number
  /**
   * `'nested'` (default): a savepoint inside an active scope — nested scopes started together under the same scope
   * run one after another, since interleaved savepoints would undo each other's work. `'required'`: join the active
   * transaction; a throw from it makes that transaction roll back (TransactionAbortedError if the outer scope then
   * returns). `'requiresNew'`: a separate transaction on a second connection (it waits for the pool like any scope).
   */
  readonly propagation?: Propagation
  /**
   * Settings for this scope's duration, such as `{ 'app.tenant_id': tenantId }` for a row-level-security policy or
   * `{ search_path: 'tenant_7' }`. PostgreSQL: `set_config(name, value, true)`, sent with BEGIN, values as parameters;
   * a name without a dot must be a server parameter. MySQL: user variables `@\`name\``, reset before the connection
   * is reused. A nested scope inherits them and may override some until it ends.
   */
  readonly settings?: ContextOptions['settings']
  /** The role the scope runs as: PostgreSQL `SET LOCAL ROLE`, MySQL `SET ROLE` (reset before reuse). Nested: like settings. */
  readonly role?: string
}

/**
 * What opens a scope's transaction. `before`: statements sent one by one, each awaited, before the rest (MySQL's
 * session settings and role: when one fails, nothing of the scope runs). `with`: BEGIN and what travels with it and
 * the scope's first statement (in one round trip; on MySQL unless it is START TRANSACTION READ WRITE).
 */
export interface BeginPlan {
  readonly before: readonly CompiledQuery[]
  readonly with: readonly CompiledQuery[]
}

const beginCache = new WeakMap<Engine, Map<string, BeginPlan>>()

/**
 * The statements that open the scope's transaction: BEGIN for these options (computed once per engine and options),
 * and the context's settings and role — after BEGIN where they are transaction-local (PostgreSQL, in the same round
 * trip), before it where they are session variables (MySQL: user variables in the same round trip as BEGIN, SET ROLE,
 * which can be refused, answered first).
 */
export function beginFor(engine: Engine, opts: ScopeOptions, context?: ScopeContext): BeginPlan {
  let m = beginCache.get(engine)
  if (!m) beginCache.set(engine, (m = new Map()))
  const key = opts.isolation === undefined && opts.readOnly === undefined ? '' : `${opts.isolation ?? ''}|${opts.readOnly ?? ''}`
  let b = m.get(key)
  if (!b) {
    const s: { -readonly [K in keyof TransactionSettings]: TransactionSettings[K] } = {}
    if (opts.isolation) s.isolationLevel = opts.isolation
    if (opts.readOnly !== undefined) s.accessMode = opts.readOnly ? 'read only' : 'read write'
    m.set(key, (b = { before: [], with: engine.driver.beginSql(s).map((sql) => CompiledQuery.raw(sql)) }))
  }
  if (!context) return b
  const sql = engine.driver.sessionContext
  const { settings, role } = changesBetween(undefined, context)
  const apply = sql.statements(settings, role)
  if (sql.lifetime === 'transaction') return { before: [], with: [...b.with, ...apply] }
  const early = apply.filter((q) => sql.travelsWithBegin?.(q) === true)
  return { before: apply.filter((q) => !early.includes(q)), with: [...early, ...b.with] }
}

export const SCOPE_KEYS = keysOf<ScopeOptions>({
  isolation: true,
  readOnly: true,
  timeoutMs: true,
  retry: true,
  propagation: true,
  settings: true,
  role: true,
})
const RETRY_KEYS = keysOf<RetryOptions>({ attempts: true, backoff: true, when: true })
const BACKOFF_KEYS = keysOf<NonNullable<RetryOptions['backoff']>>({ baseMs: true, maxMs: true })
/** What db.begin() takes. */
export type BeginOptions = Pick<ScopeOptions, 'isolation' | 'readOnly' | 'settings' | 'role'>
export const BEGIN_KEYS = keysOf<BeginOptions>({ isolation: true, readOnly: true, settings: true, role: true })

/**
 * Throws a ConfigError for options that are not an object or have a key no option has (`where` names the call),
 * then checks the values of the scope's options.
 */
export function checkOptions(opts: ScopeOptions, where = 'db.scope', known: readonly string[] = SCOPE_KEYS): void {
  if (typeof opts !== 'object' || opts === null || Array.isArray(opts)) {
    throw new ConfigError(`${where}'s options must be an object such as { isolation: 'serializable' }, got ${String(opts)}.`)
  }
  const retry = opts.retry
  const problem =
    unknownKeyProblem(where, opts, known) ??
    (typeof retry === 'object' && retry !== null ? unknownKeyProblem(`${where}({ retry })`, retry, RETRY_KEYS) : undefined) ??
    (typeof retry === 'object' && retry?.backoff ? unknownKeyProblem(`${where}({ retry: { backoff } })`, retry.backoff, BACKOFF_KEYS) : undefined)
  if (problem) throw new ConfigError(problem)
  const t = opts.timeoutMs
  if (t !== undefined && !(typeof t === 'number' && t > 0 && Number.isFinite(t))) {
    throw new ConfigError(`timeoutMs must be a positive number of milliseconds, got ${String(t)}.`)
  }
  const p = opts.propagation
  if (p !== undefined && p !== 'nested' && p !== 'required' && p !== 'requiresNew') {
    throw new ConfigError(`propagation must be 'nested', 'required' or 'requiresNew', got ${JSON.stringify(p)}.`)
  }
}
