/**
 * The chaos load: N scopes moving money between accounts at a fixed concurrency, with faults injected while it
 * runs, then the checks that must hold afterwards and one summary row for the table.
 *
 * @example
 * const row = await runLedgerLoad({ label: 'postgres', kind: 'postgres', url, directUrl: url, database, scopes: 1_000 })
 * assertLedgerHolds(row)
 */
import { appendFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql, type Kysely } from 'kysely'
import { DbscopeError, defineDb, type Db } from '../../../src/index.js'
import { resilientAdmin } from './load-admin.js'
import type { Kind, LoadOptions, LoadSummary } from './load-types.js'
import { formatSummary } from './summary-table.js'

export { formatSummary }
export type { Kind, LoadOptions, LoadSummary }

/** How many scopes a chaos load runs: 10,000 under `npm run test:chaos`, ~1,000 in `npm test` (CHAOS_SCOPES). */
export const CHAOS_SCOPES = Number(process.env.CHAOS_SCOPES ?? 1_000)

/** Where each load appends its summary row (set per run by the global setup); the teardown prints them as one table. */
const SUMMARY_FILE = process.env.DBSCOPE_CHAOS_SUMMARY ?? join(tmpdir(), `dbscope-chaos-summary-${process.ppid}.jsonl`)

const ACCOUNTS = 20
/** How long the pool-exhaustion fault holds every connection (longer than acquireTimeoutMs). */
const HOG_SECONDS = 2.75
const OPENING = 1_000

/** The mix, by scope index modulo 20: half plain commits, the rest failures of every flavour. */
const MIX: readonly Kind[] = [
  'commit', 'commit', 'commit', 'commit', 'commit', 'commit', 'commit', 'commit', 'commit', 'commit',
  'throw', 'throw', 'nested', 'nested', 'hook', 'hook', 'timeout', 'retry', 'retry', 'retry',
]

/** How many of a load's scopes commit when no fault gets in the way (all but 'throw' and 'timeout'). */
export function commitsWithoutFaults(scopes: number): number {
  let n = 0
  for (let i = 0; i < scopes; i++) if (!['throw', 'timeout'].includes(MIX[i % MIX.length]!)) n++
  return n
}

/** An error the scope throws on purpose; rejecting with it is the expected outcome. */
class Intended extends Error {}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function serverDatabaseOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1))
}

/** Records unhandled errors and rejections for the duration of a load (the process must never see one). */
export function watchProcess(): { readonly seen: string[]; stop(): void } {
  const seen: string[] = []
  const onRejection = (r: unknown) => void seen.push(`unhandledRejection: ${String((r as Error)?.stack ?? r)}`)
  const onException = (e: Error) => void seen.push(`uncaughtException: ${e.stack ?? e.message}`)
  process.on('unhandledRejection', onRejection)
  process.on('uncaughtException', onException)
  return {
    seen,
    stop() {
      process.off('unhandledRejection', onRejection)
      process.off('uncaughtException', onException)
    },
  }
}

/** Runs the load with its faults and returns the summary (the caller asserts on it). */
export async function runLedgerLoad(o: LoadOptions): Promise<LoadSummary> {
  const concurrency = o.concurrency ?? 64
  const poolMax = o.poolMax ?? 8
  const database = serverDatabaseOf(o.directUrl)
  const admin = resilientAdmin(o.kind, o.adminUrl ?? o.directUrl)
  // A database may host several loads (a formation serves one file): each starts from empty tables.
  await admin.query(`DROP TABLE IF EXISTS accounts, ledger_log`)
  await admin.query(`CREATE TABLE accounts (id int PRIMARY KEY, balance bigint NOT NULL)`)
  await admin.query(`CREATE TABLE ledger_log (id varchar(40) PRIMARY KEY)`)
  await admin.query(`INSERT INTO accounts (id, balance) VALUES ${Array.from({ length: ACCOUNTS }, (_, i) => `(${i + 1}, ${OPENING})`).join(', ')}`)

  let hookErrors = 0
  const db: Db<any> = defineDb({
    url: o.url,
    pooler: o.pooler,
    pool: { max: poolMax, acquireTimeoutMs: 1_500, connectTimeoutMs: 3_000, leakWarnMs: 0 },
    guard: { budget: 'off' },
    applicationName: 'dbscope-chaos',
    onHookError: () => void hookErrors++,
    logger: { warn: () => undefined },
  })

  const committed = new Set<string>()
  // Rejected with a non-retryable lost connection: its COMMIT may or may not have landed. A retryable one cannot have.
  const ambiguous = new Set<string>()
  const byCode: Record<string, number> = {}
  const untyped: string[] = []
  const notRetryable: string[] = []
  const firstMessage: Record<string, string> = {}
  /** Scopes started and not yet settled, for the watchdog's report. */
  const inFlight = new Map<string, { kind: Kind; startedAt: number }>()
  let faultAt: number | undefined
  let gapMs: number | undefined
  let retriedCommits = 0
  let restarted = false
  let restartDone: Promise<void> | undefined
  let committedAfterRestart = 0
  const faults = { kills: 0, exhaustions: 0, restarts: 0 }

  const transfer = async (tx: Kysely<any>, logId: string) => {
    const a = 1 + Math.floor(Math.random() * ACCOUNTS)
    const b = 1 + ((a + Math.floor(Math.random() * (ACCOUNTS - 1))) % ACCOUNTS)
    const amount = 1 + Math.floor(Math.random() * 10)
    // Lower id first: a fixed lock order keeps deadlocks out of the plain mix.
    for (const [id, delta] of (a < b ? [[a, -amount], [b, amount]] : [[b, amount], [a, -amount]]) as [number, number][]) {
      await sql`UPDATE accounts SET balance = balance + ${delta} WHERE id = ${id}`.execute(tx)
    }
    await sql`INSERT INTO ledger_log (id) VALUES (${logId})`.execute(tx)
  }
  const sleepSql = (s: number) => sql.raw(o.kind === 'mysql' ? `SELECT SLEEP(${s})` : `SELECT pg_sleep(${s})`)
  const forceSerializationFailure = () =>
    sql.raw(
      o.kind === 'mysql'
        ? `SIGNAL SQLSTATE '40001' SET MYSQL_ERRNO = 1213, MESSAGE_TEXT = 'chaos: forced serialization failure'`
        : `DO $$ BEGIN RAISE EXCEPTION 'chaos: forced serialization failure' USING ERRCODE = '40001'; END $$`,
    )

  const runOne = async (i: number): Promise<void> => {
    const id = `s${i}`
    const kind = MIX[i % MIX.length]!
    let attempts = 0
    const startedAt = Date.now()
    const retry = o.retry === undefined ? undefined : { retry: o.retry }
    // The 'timeout' kind retries what the others do (a connect that failed during a failover, say), but never its
    // own timeout, which it would only meet again.
    const when = typeof o.retry === 'object' ? o.retry.when : undefined
    const timeoutRetry = when === undefined ? undefined : { retry: { ...(o.retry as object), when: (e: unknown) => !(e instanceof DbscopeError && e.code === 'SCOPE_TIMEOUT') && when(e) } }
    inFlight.set(id, { kind, startedAt })
    try {
      switch (kind) {
        case 'commit':
          await db.scope((tx) => transfer(tx, id), retry)
          break
        case 'throw':
          await db.scope(async (tx) => {
            await transfer(tx, id)
            throw new Intended('chaos: throw after writing')
          }, retry)
          break
        case 'nested':
          await db.scope(async (tx) => {
            await transfer(tx, id)
            try {
              await db.scope(async (inner) => {
                await transfer(inner, `${id}-inner`)
                throw new Intended('chaos: savepoint failure')
              })
            } catch (err) {
              if (!(err instanceof Intended)) throw err
            }
          }, retry)
          break
        case 'hook':
          await db.scope(async (tx) => {
            await transfer(tx, id)
            tx.afterCommit(() => {
              throw new Error('chaos: afterCommit hook throws')
            })
          }, retry)
          break
        case 'timeout':
          await db.scope(async (tx) => {
            await transfer(tx, id)
            await sleepSql(2).execute(tx)
          }, { timeoutMs: 200, ...timeoutRetry })
          break
        case 'retry':
          await db.scope(async (tx) => {
            attempts++
            await transfer(tx, id)
            if (attempts === 1) await forceSerializationFailure().execute(tx)
          }, { retry: o.retry ?? { attempts: 4, backoff: { baseMs: 5, maxMs: 50 } } })
          if (attempts > 1) retriedCommits++
          break
      }
      committed.add(id)
      if (restarted) committedAfterRestart++
      if (faultAt !== undefined && startedAt >= faultAt && gapMs === undefined) gapMs = Date.now() - faultAt
    } catch (err) {
      if (err instanceof Intended) {
        byCode['INTENDED_THROW'] = (byCode['INTENDED_THROW'] ?? 0) + 1
      } else if (err instanceof DbscopeError) {
        byCode[err.code] = (byCode[err.code] ?? 0) + 1
        firstMessage[err.code] ??= `${kind} ${id} (retryable ${err.retryable}): ${err.message}`
        if (err.code === 'CONNECTION_LOST' && !err.retryable) ambiguous.add(id)
        if (!err.retryable && !(kind === 'timeout' && err.code === 'SCOPE_TIMEOUT')) notRetryable.push(`${kind} ${id} ${err.code}: ${err.message}`)
      } else {
        untyped.push(`${kind} ${id}: ${String((err as Error)?.stack ?? err)}`)
      }
    } finally {
      inFlight.delete(id)
    }
  }

  // Sampling: the database's server sessions, and the pool's own total.
  // Sessions named pgautofailover_*, or without a name, are pg_auto_failover's (its keepers poll the node's database
  // every second), not the load's: dbscope names every connection it opens. Behind a pooler, the server sessions are
  // the pooler's and may have no name, so there unnamed sessions count.
  const ours = `application_name NOT LIKE 'pgautofailover%'${o.pooler ? '' : ` AND application_name <> ''`}`
  let peakSessions = 0
  /** The sessions at the peak (PostgreSQL), for the message when the peak is over the budget. */
  let peakDetail = ''
  let peakPoolTotal = 0
  let sampling = true
  const sessionsSql =
    o.kind === 'postgres'
      ? `SELECT count(*) AS n, string_agg(concat_ws(' ', pid, application_name, state, backend_start::time, left(query, 40)), ' | ') AS d FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend' AND pid <> pg_backend_pid() AND ${ours}`
      : // MariaDB keeps a KILLed thread listed until it has closed; it no longer holds a connection slot's work.
        `SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID() AND COMMAND <> 'Killed'`
  const sampler = (async () => {
    while (sampling) {
      peakPoolTotal = Math.max(peakPoolTotal, db.stats().total)
      try {
        const [row] = await admin.query<{ n: number | string; d?: string }>(sessionsSql, [database])
        if (Number(row!.n) > peakSessions) peakDetail = row!.d ?? ''
        peakSessions = Math.max(peakSessions, Number(row!.n))
      } catch {
        /* the server is restarting */
      }
      await sleep(50)
    }
  })()

  const sessionIdsSql =
    o.kind === 'postgres'
      ? `SELECT pid AS id FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend'
           AND application_name <> 'dbscope-chaos-admin' AND coalesce(query, '') NOT LIKE '%${HOG_SECONDS})%'`
      : `SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID() AND COMMAND <> 'Killed'
           AND coalesce(INFO, '') NOT LIKE '%${HOG_SECONDS})%'`
  const killOne = async () => {
    const rows = await admin.query<{ id: number | string }>(sessionIdsSql, [database])
    if (rows.length === 0) return
    const victim = Number(rows[Math.floor(Math.random() * rows.length)]!.id)
    if (o.kind === 'postgres') await admin.query('SELECT pg_terminate_backend($1)', [victim])
    else await admin.query(`KILL ${victim}`).catch(() => undefined) // it may have closed on its own meanwhile
    faults.kills++
  }
  let killing = (o.killEveryMs ?? 0) > 0
  let exhausting = false
  let hogsHeld = 0
  const hogErrors: string[] = []
  let killInFlight: Promise<void> = Promise.resolve()
  const killer = (async () => {
    while (killing) {
      await sleep(o.killEveryMs!)
      // Paused while the pool is exhausted on purpose, so that the exhaustion lasts.
      if (killing && !exhausting) {
        killInFlight = killOne().catch(() => undefined)
        await killInFlight
      }
    }
  })()
  /** Resolves when nothing else is in the pool or queued for it; the workers are paused meanwhile. */
  const poolDrained = async () => {
    for (let s = db.stats(); s.busy > 0 || s.waiting > 0; s = db.stats()) await sleep(5)
  }
  let paused: Promise<unknown> | undefined

  const started = Date.now()
  let next = 0
  const sideFaults: Promise<unknown>[] = []
  // Every pooled connection held for longer than acquireTimeoutMs: scopes queued behind get PoolTimeoutError.
  // Deterministic: the workers and the killer pause, the pool drains, the hogs take every connection (none queues
  // behind the load's waiters, where it could time out itself), and only then does the load resume and queue up.
  const exhaust = async () => {
    faults.exhaustions++
    exhausting = true
    await killInFlight
    await poolDrained()
    let holding = 0
    const hogs = Array.from({ length: poolMax }, () =>
      db.scope(async (tx) => {
        holding++
        await sleepSql(HOG_SECONDS).execute(tx)
      }).then(
        () => void hogsHeld++,
        (err: unknown) => void hogErrors.push(err instanceof DbscopeError ? err.code : String(err)),
      ),
    )
    sideFaults.push(Promise.all(hogs).then(() => (exhausting = false)))
    while (holding < poolMax && hogErrors.length === 0) await sleep(5)
  }
  const worker = async () => {
    while (next < o.scopes) {
      await paused
      const i = next++
      if (o.exhaustPool && i === Math.floor(o.scopes * 0.3)) {
        paused = exhaust()
        await paused
      }
      if (o.restart && i === Math.floor(o.scopes * 0.4)) {
        faults.restarts++
        faultAt = Date.now()
        restartDone = o.restart().then(() => void (restarted = true))
        sideFaults.push(restartDone)
      }
      // The last tenth starts only once the server is back: scopes that fail fast during the outage must not use up
      // the load before it, or "scopes commit again after the restart" would be a race, not a test.
      if (restartDone && i >= Math.floor(o.scopes * 0.9)) await restartDone
      await runOne(i)
    }
  }
  const load = Promise.all(Array.from({ length: concurrency }, worker)).then(() => Promise.all(sideFaults))
  let watchdog: NodeJS.Timeout | undefined
  try {
    await (o.watchdogMs === undefined
      ? load
      : Promise.race([
          load,
          new Promise((_, reject) => {
            watchdog = setTimeout(() => reject(new Error(unsettledReport(o.watchdogMs!, inFlight))), o.watchdogMs)
          }),
        ]))
  } finally {
    clearTimeout(watchdog)
  }
  killing = false
  await killer
  sampling = false
  await sampler

  // Afterwards: nothing busy in the pool, nothing busy or idle in transaction on the server.
  const endStats = db.stats()
  const busySql =
    o.kind === 'postgres'
      ? `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND state <> 'idle' AND ${ours}`
      : `SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST p WHERE p.DB = ? AND p.ID <> CONNECTION_ID() AND p.COMMAND <> 'Killed'
           AND (p.COMMAND <> 'Sleep' OR EXISTS (SELECT 1 FROM information_schema.INNODB_TRX t WHERE t.trx_mysql_thread_id = p.ID))`
  let leftBusy = -1
  for (let k = 0; k < 50; k++) {
    leftBusy = Number((await admin.query<{ n: number | string }>(busySql, [database]))[0]!.n)
    if (leftBusy === 0) break
    await sleep(100)
  }
  const [sumRow] = await admin.query<{ s: number | string }>(`SELECT SUM(balance) AS s FROM accounts`)
  const logged = new Set((await admin.query<{ id: string }>(`SELECT id FROM ledger_log`)).map((r) => r.id))
  await db.dispose()
  await admin.close()

  const summary: LoadSummary = {
    label: o.label,
    scopes: o.scopes,
    committed: committed.size,
    rolledBack: o.scopes - committed.size,
    byCode,
    faults,
    hogsHeld,
    hogErrors,
    hookErrors,
    retriedCommits,
    committedAfterRestart,
    peakSessions,
    peakDetail,
    budget: o.budget ?? poolMax + (o.kind === 'mysql' ? 2 : 0),
    peakPoolTotal,
    poolMax,
    ledgerSum: Number(sumRow!.s),
    ledgerExpected: ACCOUNTS * OPENING,
    lostCommits: [...committed].filter((id) => !logged.has(id)),
    phantomRows: [...logged].filter((id) => !committed.has(id) && !ambiguous.has(id)),
    untyped,
    leftBusy,
    endStats: { busy: endStats.busy, waiting: endStats.waiting },
    seconds: Math.round((Date.now() - started) / 100) / 10,
    gapMs,
    notRetryable,
    firstMessage,
  }
  appendFileSync(SUMMARY_FILE, `${JSON.stringify(summary)}\n`)
  process.stdout.write(`\n${formatSummary([summary])}\n`)
  return summary
}

/** What the watchdog says when the load outlives its bound: every scope still unsettled, oldest first. */
function unsettledReport(ms: number, inFlight: ReadonlyMap<string, { kind: Kind; startedAt: number }>): string {
  const now = Date.now()
  const rows = [...inFlight].sort((a, b) => a[1].startedAt - b[1].startedAt).map(([id, f]) => `${id} (${f.kind}, ${now - f.startedAt} ms)`)
  return `the load did not finish within ${ms} ms: ${rows.length} scope(s) never settled: ${rows.slice(0, 20).join(', ')}${rows.length > 20 ? ', …' : ''}`
}
