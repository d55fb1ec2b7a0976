/**
 * The pool-per-process guard: an owner stamp checked on every checkout, a connection budget read from the server
 * on first connect, and the leak warning.
 *
 * @example
 * if (!isOwnedHere(engine.owner)) throw new ForeignOwnerError('…')
 */
import cluster from 'node:cluster'
import { availableParallelism } from 'node:os'
import { dirname, sep } from 'node:path'
import { pathToFileURL } from 'node:url'
import { threadId } from 'node:worker_threads'
import { callerFile } from './caller-file.js'
import type { Checkout } from './checkout.js'
import type { ResolvedConfig } from './config.js'
import type { ServerBudget } from './dialects/dialect.js'
import { ConnectionBudgetError } from './errors.js'

/** Who may use an engine: the process and thread that created it, in the generation it was created in. */
export interface Owner {
  readonly pid: number
  readonly threadId: number
  readonly generation: number
}

/** Stamps the current process and thread. */
export function currentOwner(generation: number): Owner {
  return Object.freeze({ pid: process.pid, threadId, generation })
}

/** Whether the caller is the owner (same process and thread). */
export function isOwnedHere(owner: Owner): boolean {
  return owner.pid === process.pid && owner.threadId === threadId
}

/** How many processes share the server's budget. */
export function workerCount(configured: number): number {
  if (configured > 0) return configured
  return cluster.isWorker ? availableParallelism() : 1
}

export interface BudgetDecision {
  /** The pool size to use. */
  readonly max: number
  /** A warning to log, if any. */
  readonly warning: string | undefined
}

/**
 * Decides the pool size from the server's budget: `(max_connections − reserved − reserve − used by others) / workers`.
 * Throws ConnectionBudgetError in `'throw'` mode. Not applied behind a pooler (`pooler: 'pgbouncer'`).
 */
export function decideBudget(config: ResolvedConfig, budget: ServerBudget): BudgetDecision {
  const mode = config.guard.budget
  const max = config.pool.max
  // Behind PgBouncer our connections are its clients: the server's max_connections bounds PgBouncer's own server
  // pool (default_pool_size), not them, so the budget read through it says nothing about this pool.
  if (mode === 'off' || config.pooler !== undefined || !Number.isFinite(budget.maxConnections)) return { max, warning: undefined }
  const workers = workerCount(config.guard.workers)
  const available = budget.maxConnections - budget.reserved - config.guard.reserve - budget.usedByOthers
  const perWorker = Math.max(1, Math.floor(available / workers))
  if (max * workers <= available) return { max, warning: undefined }
  const detail =
    `pool.max ${max} × ${workers} worker(s) = ${max * workers} connections, but the server allows ${budget.maxConnections} ` +
    `(${budget.reserved} reserved for superusers, ${config.guard.reserve} kept in reserve, ${budget.usedByOthers} used by others), ` +
    `leaving ${available}: at most ${perWorker} per worker.`
  if (mode === 'throw') {
    throw new ConnectionBudgetError(`${detail} Lower pool.max, raise max_connections, or put PgBouncer in front.`)
  }
  if (mode === 'clamp') return { max: perWorker, warning: `${detail} Clamped pool.max to ${perWorker}.` }
  return { max, warning: `${detail} Expect "too many connections" under load; set guard.budget to 'clamp' to fit.` }
}

/** This package's runtime directory (src/ or dist/src/): its frames are left out of leak stacks. */
const OWN_DIR = dirname(callerFile()) + sep
const OWN_URL = pathToFileURL(OWN_DIR).href
const KYSELY_OR_NODE = /[\\/]node_modules[\\/]kysely[\\/]|\(node:|at node:/

/** The leak warning's text: how long, which connection, where it was taken (the caller's frames) and its last SQL. */
export function leakMessage(c: Checkout, heldMs: number): string {
  const sql = c.lastSql ? `\nLast statement: ${c.lastSql.length > 200 ? `${c.lastSql.slice(0, 200)}…` : c.lastSql}` : ''
  const stack = c.origin?.stack
  const by = c.origin?.scope ? ` by the scope ${c.origin.scope}` : ''
  const where = stack
    ? `It was taken${by} at:\n${callerFrames(stack)}`
    : 'It is a single db.kysely statement (no stack is recorded for those): the statement itself is slow.'
  return `A connection has been checked out for ${heldMs} ms (pool.leakWarnMs). ${where}${sql}`
}

/**
 * The frames of a captured stack outside dbscope, Kysely and Node's internals (at most `max`): where the
 * application's code is. All frames when that leaves none.
 */
export function callerFrames(stack: string | undefined, max = Number.POSITIVE_INFINITY): string {
  const frames = (stack ?? '').split('\n').slice(1)
  const own = frames.filter((f) => !f.includes(OWN_DIR) && !f.includes(OWN_URL) && !KYSELY_OR_NODE.test(f))
  return (own.length > 0 ? own : frames).slice(0, max).join('\n')
}
