/**
 * A real streaming-replication pair for replica and failover tests: a throwaway PostgreSQL primary (wal_level
 * replica, WAL senders, trust replication from loopback) and a standby cloned from it with `pg_basebackup -R`, on
 * another loopback port. Optionally synchronous (`synchronous_standby_names = '*'`), so no acknowledged commit is
 * lost when the primary dies. Both are stopped and deleted afterwards.
 *
 * @example
 * const pair = await startStreamingPair({ synchronous: true })
 * try { … pair.primary.url … pair.replica.url … await pair.stopPrimary(); await pair.promoteReplica() } finally { await pair.stop() }
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll } from 'vitest'
import { disposeAll } from '../../src/index.js'
import { PG_BIN, chownTo, freePort, runAs, startThrowawayPostgres } from './throwaway-server.js'

export interface PairNode {
  readonly url: string
  readonly port: number
}

export interface StreamingPair {
  readonly primary: PairNode
  readonly replica: PairNode
  /** A libpq multi-host URL over both nodes, primary first, with target_session_attrs=read-write. */
  readonly multiHostUrl: string
  /** Stops the primary at once (immediate shutdown: like a crash). */
  stopPrimary(): Promise<void>
  /** `pg_ctl promote` on the replica; resolves once it accepts writes. */
  promoteReplica(): Promise<void>
  stopReplica(): Promise<void>
  startReplica(): Promise<void>
  /**
   * Re-creates the replica as a fresh standby of the primary, on the same port: stopped, its directory replaced by a
   * new base backup, started. As an HA manager rejoins a node that was promoted; resolves once it streams again.
   */
  rebuildReplica(): Promise<void>
  /** Resolves once the replica has replayed everything the primary has written so far. */
  caughtUp(): Promise<void>
  stop(): Promise<void>
}

async function one<T>(url: string, text: string): Promise<T> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 })
  c.on('error', () => undefined)
  await c.connect()
  try {
    return (await c.query(text)).rows[0] as T
  } finally {
    await c.end().catch(() => undefined)
  }
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (Date.now() < end) {
    if (await check().catch(() => false)) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms`)
}

/** Starts the pair; the replica is streaming (and, with `synchronous`, acknowledged as sync) when this resolves. */
export async function startStreamingPair(options: { synchronous?: boolean } = {}): Promise<StreamingPair> {
  const primary = await startThrowawayPostgres({ settings: { wal_level: 'replica', max_wal_senders: 5, hot_standby: 'on', wal_keep_size: 64 } })
  const replicaDir = join(primary.dir, 'replica')
  mkdirSync(replicaDir, { mode: 0o700 })
  await chownTo('postgres', replicaDir)
  const baseBackup = () =>
    runAs('postgres', join(PG_BIN, 'pg_basebackup'), ['-h', '127.0.0.1', '-p', String(primary.port), '-U', 'postgres', '-D', replicaDir, '-R', '-X', 'stream', '--no-sync'])
  try {
    await baseBackup()
  } catch (err) {
    await primary.stop()
    throw err
  }
  const port = await freePort()
  const opts = [`-p ${port}`, `-k ${primary.dir}`, '-c listen_addresses=127.0.0.1', '-c max_connections=50', '-c fsync=off', '-c shared_buffers=16MB', '-c hot_standby=on'].join(' ')
  const ctl = (...args: string[]) => runAs('postgres', join(PG_BIN, 'pg_ctl'), ['-D', replicaDir, '-l', join(primary.dir, 'replica.log'), '-w', '-t', '60', ...args])
  const startReplica = async () => {
    await ctl('-o', opts, 'start')
  }
  await startReplica()
  const replicaUrl = `postgres://postgres@127.0.0.1:${port}/postgres`
  await until('streaming replication', async () => (await one<{ n: string }>(primary.url, `SELECT count(*) AS n FROM pg_stat_replication WHERE state = 'streaming'`)).n === '1')
  if (options.synchronous) {
    await one(primary.url, `ALTER SYSTEM SET synchronous_standby_names = '*'`)
    await one(primary.url, 'SELECT pg_reload_conf()')
    await until('synchronous standby', async () => (await one<{ n: string }>(primary.url, `SELECT count(*) AS n FROM pg_stat_replication WHERE sync_state = 'sync'`)).n === '1')
  }
  let stopped = false
  return {
    primary: { url: primary.url, port: primary.port },
    replica: { url: replicaUrl, port },
    multiHostUrl: `postgres://postgres@127.0.0.1:${primary.port},127.0.0.1:${port}/postgres?target_session_attrs=read-write`,
    async stopPrimary() {
      await runAs('postgres', join(PG_BIN, 'pg_ctl'), ['-D', primary.dataDir, '-m', 'immediate', '-w', 'stop'])
    },
    async promoteReplica() {
      await ctl('promote')
      await until('promotion', async () => (await one<{ r: boolean }>(replicaUrl, 'SELECT pg_is_in_recovery() AS r')).r === false)
    },
    stopReplica: () => ctl('-m', 'fast', 'stop').then(() => undefined),
    startReplica,
    async rebuildReplica() {
      await ctl('-m', 'immediate', 'stop').catch(() => undefined)
      for (const f of readdirSync(replicaDir)) rmSync(join(replicaDir, f), { recursive: true, force: true })
      await baseBackup()
      await startReplica()
      await until('streaming replication', async () => (await one<{ n: string }>(primary.url, `SELECT count(*) AS n FROM pg_stat_replication WHERE state = 'streaming'`)).n === '1')
    },
    async caughtUp() {
      const { lsn } = await one<{ lsn: string }>(primary.url, 'SELECT pg_current_wal_lsn()::text AS lsn')
      await until('replay', async () => (await one<{ ok: boolean }>(replicaUrl, `SELECT pg_last_wal_replay_lsn() >= '${lsn}'::pg_lsn AS ok`)).ok === true)
    },
    async stop() {
      if (stopped) return
      stopped = true
      await ctl('-m', 'immediate', 'stop').catch(() => undefined)
      await primary.stop() // also deletes the replica's directory, which sits inside the primary's
    },
  }
}

/**
 * Registers hooks that start a pair before the file's tests (running `setupSql` on the primary) and, afterwards,
 * dispose every engine and stop the pair. Read `.pair` inside tests.
 */
export function useStreamingPair(options: { synchronous?: boolean }, setupSql: string): { readonly pair: StreamingPair } {
  let pair: StreamingPair | undefined
  beforeAll(async () => {
    pair = await startStreamingPair(options)
    const c = new pg.Client({ connectionString: pair.primary.url })
    await c.connect()
    try {
      await c.query(setupSql)
    } finally {
      await c.end()
    }
  }, 120_000)
  afterAll(async () => {
    await disposeAll()
    await pair?.stop()
  })
  return {
    get pair() {
      if (!pair) throw new Error('useStreamingPair: read .pair inside a test, after beforeAll ran')
      return pair
    },
  }
}
