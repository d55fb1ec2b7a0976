/**
 * The chaos load's options and its summary row.
 *
 * @example
 * const options: LoadOptions = { label: 'postgres', kind: 'postgres', url, directUrl: url, scopes: 1_000 }
 */
import type { ScopeOptions } from '../../../src/index.js'

export type Kind = 'commit' | 'throw' | 'nested' | 'hook' | 'timeout' | 'retry'
export interface LoadOptions {
  readonly label: string
  readonly kind: 'postgres' | 'mysql'
  /** What the db under test connects to (PgBouncer's port for the pooler run). */
  readonly url: string
  /** The same database reached directly, for setup, sampling and the checks. */
  readonly directUrl: string
  /** Where the admin connection goes, asked at each (re)connect: the current primary, when a failover moves it. */
  readonly adminUrl?: () => Promise<string>
  readonly pooler?: 'pgbouncer'
  readonly scopes: number
  readonly concurrency?: number
  readonly poolMax?: number
  /** Kill a random server session of the database this often (pg_terminate_backend / KILL); 0 = never. */
  readonly killEveryMs?: number
  /** Hold every pooled connection for a while at 30 % of the run, so that waiting scopes hit acquireTimeoutMs. */
  readonly exhaustPool?: boolean
  /** Called once at 40 % of the run: a full server restart, or a failover; resolves when the server is back. */
  readonly restart?: () => Promise<void>
  /**
   * Every scope gets this `retry` (the 'retry' kind instead of its own). The 'timeout' kind gets it only when it has a
   * `when`, and then never for its own SCOPE_TIMEOUT (it would time out again).
   */
  readonly retry?: ScopeOptions['retry']
  /** The load must finish within this long, or it rejects naming the scopes still unsettled (default: no bound). */
  readonly watchdogMs?: number
  /** The most server sessions the database may see; default poolMax (+ MySQL's short KILL QUERY connections). */
  readonly budget?: number
}

export interface LoadSummary {
  readonly label: string
  readonly scopes: number
  readonly committed: number
  readonly rolledBack: number
  readonly byCode: Record<string, number>
  readonly faults: { kills: number; exhaustions: number; restarts: number }
  /** Pool-exhaustion scopes that held their connection for the whole period. */
  readonly hogsHeld: number
  /** Why a hog scope failed, by error code (empty when the exhaustion held). */
  readonly hogErrors: readonly string[]
  readonly hookErrors: number
  readonly retriedCommits: number
  /** Scopes that committed after the restart completed (0 without a restart). */
  readonly committedAfterRestart: number
  readonly peakSessions: number
  /** PostgreSQL: the sessions seen at the peak (pid, name, state, start, statement). */
  readonly peakDetail: string
  readonly budget: number
  readonly peakPoolTotal: number
  readonly poolMax: number
  readonly ledgerSum: number
  readonly ledgerExpected: number
  /** Committed scopes whose log row is missing: must be empty. */
  readonly lostCommits: string[]
  /** Log rows of scopes that rejected, but for a COMMIT whose outcome is unknown (non-retryable CONNECTION_LOST): must be empty. */
  readonly phantomRows: string[]
  /** Rejections that are neither the scope's own intended error nor a DbscopeError: must be empty. */
  readonly untyped: string[]
  /** Server sessions left busy or idle in transaction after the load: must be 0. */
  readonly leftBusy: number
  readonly endStats: { busy: number; waiting: number }
  readonly seconds: number
  /** From the start of the restart (or failover) to the first commit of a scope that began after it, in ms. */
  readonly gapMs?: number
  /** Rejections with `retryable: false` that are not a kind's intended outcome: `kind id CODE: message`. */
  readonly notRetryable: string[]
  /** The first rejection of each code: `kind id (retryable …): message`. */
  readonly firstMessage: Record<string, string>
}
