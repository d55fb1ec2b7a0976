/**
 * Throwaway database servers for tests that must restart a server or lower its limits: a private PostgreSQL or
 * MariaDB in a temp directory, on a free loopback port, stopped and deleted afterwards. The shared servers on
 * these machines are never touched.
 *
 * Missing binaries fail the test with a message saying what to install; nothing is skipped silently.
 *
 * @example
 * const pg = await startThrowawayPostgres({ maxConnections: 20 })
 * try { … pg.url … await pg.restart() … } finally { await pg.stop() }
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import mysql from 'mysql2/promise'
import pg from 'pg'

const run = promisify(execFile)

export const PG_BIN = process.env.DBSCOPE_PG_BIN ?? '/usr/lib/postgresql/15/bin'
const MARIADB_INSTALL = process.env.DBSCOPE_MARIADB_INSTALL_DB ?? '/usr/bin/mariadb-install-db'
const MARIADBD = process.env.DBSCOPE_MARIADBD ?? '/usr/sbin/mariadbd'

export interface ThrowawayServer {
  readonly kind: 'postgres' | 'mysql'
  /** A URL for the server's superuser (with the password when one was set). */
  readonly url: string
  readonly port: number
  /** Stops the server (fast shutdown, connections are terminated) and starts it again on the same port. */
  restart(): Promise<void>
  /** Stops the server and deletes its directory. Safe to call twice. */
  stop(): Promise<void>
}

function requireBinary(path: string, what: string, install: string): void {
  if (!existsSync(path)) {
    throw new Error(`${what} not found at ${path}. This test starts a private server; install it with: ${install} (or point the env var at it).`)
  }
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

export const isRoot = () => process.getuid?.() === 0

export async function uidOf(user: string): Promise<{ uid: number; gid: number }> {
  const { stdout: uid } = await run('id', ['-u', user])
  const { stdout: gid } = await run('id', ['-g', user])
  return { uid: Number(uid.trim()), gid: Number(gid.trim()) }
}

/** Gives `path` to `user` when we are root (the server runs as that user). */
export async function chownTo(user: string, path: string): Promise<void> {
  if (!isRoot()) return
  const { uid, gid } = await uidOf(user)
  chownSync(path, uid, gid)
}

/** Runs a server binary as `user` when we are root (servers refuse to run as root). */
export async function runAs(user: string, cmd: string, args: string[]): Promise<string> {
  const [file, argv] = isRoot() && userInfo().username !== user ? ['runuser', ['-u', user, '--', cmd, ...args]] : [cmd, args]
  try {
    const { stdout } = await run(file, argv, { maxBuffer: 10 * 1024 * 1024 })
    return stdout
  } catch (err) {
    const e = err as { stderr?: string; message: string }
    throw new Error(`${cmd} ${args.join(' ')} failed: ${e.stderr || e.message}`)
  }
}

async function waitFor(check: () => Promise<void>, what: string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs
  let last: unknown
  while (Date.now() < until) {
    try {
      await check()
      return
    } catch (err) {
      last = err
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  throw new Error(`${what} did not come up within ${timeoutMs} ms: ${String((last as Error)?.message ?? last)}`)
}

/**
 * Starts a private PostgreSQL 15. `password` switches TCP auth to scram-sha-256 for the `postgres` superuser;
 * otherwise it is trust.
 */
export async function startThrowawayPostgres(
  options: { maxConnections?: number; password?: string; settings?: Readonly<Record<string, string | number>> } = {},
): Promise<ThrowawayServer & { readonly dir: string; readonly dataDir: string }> {
  requireBinary(join(PG_BIN, 'initdb'), 'PostgreSQL initdb', 'apt-get install postgresql-15')
  requireBinary(join(PG_BIN, 'pg_ctl'), 'PostgreSQL pg_ctl', 'apt-get install postgresql-15')
  const dir = mkdtempSync(join(tmpdir(), 'dbscope-pg-'))
  const data = join(dir, 'data')
  if (isRoot()) {
    const { uid, gid } = await uidOf('postgres')
    chownSync(dir, uid, gid)
  }
  const initArgs = ['-D', data, '-U', 'postgres', '--no-sync', '-A', 'trust']
  if (options.password !== undefined) {
    const pwfile = join(dir, 'pw')
    writeFileSync(pwfile, `${options.password}\n`, { mode: 0o600 })
    if (isRoot()) {
      const { uid, gid } = await uidOf('postgres')
      chownSync(pwfile, uid, gid)
    }
    initArgs.push('--auth-host=scram-sha-256', `--pwfile=${pwfile}`)
  }
  await runAs('postgres', join(PG_BIN, 'initdb'), initArgs)
  const port = await freePort()
  const serverOpts = [
    `-p ${port}`,
    `-k ${dir}`,
    '-c listen_addresses=127.0.0.1',
    `-c max_connections=${options.maxConnections ?? 50}`,
    '-c fsync=off',
    '-c shared_buffers=16MB',
    ...Object.entries(options.settings ?? {}).map(([k, v]) => `-c ${k}=${v}`),
  ].join(' ')
  const ctl = (...args: string[]) => runAs('postgres', join(PG_BIN, 'pg_ctl'), ['-D', data, '-l', join(dir, 'log'), '-w', '-t', '60', ...args])
  await ctl('-o', serverOpts, 'start')
  const auth = options.password !== undefined ? `postgres:${encodeURIComponent(options.password)}` : 'postgres'
  const url = `postgres://${auth}@127.0.0.1:${port}/postgres`
  let stopped = false
  return {
    kind: 'postgres',
    url,
    port,
    dir,
    dataDir: data,
    async restart() {
      await ctl('-m', 'fast', '-o', serverOpts, 'restart')
    },
    async stop() {
      if (stopped) return
      stopped = true
      await ctl('-m', 'immediate', 'stop').catch(() => undefined)
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/**
 * Starts a private MariaDB (root without password; grant tables skipped unless asked for), optionally with
 * performance_schema; `args` are added to mariadbd's command line (e.g. `--ssl-cert=…`).
 */
export async function startThrowawayMariadb(
  options: { performanceSchema?: boolean; maxConnections?: number; grantTables?: boolean; args?: readonly string[] } = {},
): Promise<ThrowawayServer> {
  requireBinary(MARIADB_INSTALL, 'mariadb-install-db', 'apt-get install mariadb-server')
  requireBinary(MARIADBD, 'mariadbd', 'apt-get install mariadb-server')
  const dir = mkdtempSync(join(tmpdir(), 'dbscope-my-'))
  const data = join(dir, 'data')
  // A private tmpdir: MariaDB servers sharing /tmp delete each other's `#sql-temptable-*` files (seen as
  // "mariadb-install-db failed: Error on delete of '/tmp/#sql-temptable-…'" when two start at once).
  const tmp = join(dir, 'tmp')
  mkdirSync(tmp)
  const user = isRoot() ? 'mysql' : userInfo().username
  if (isRoot()) {
    const { uid, gid } = await uidOf('mysql')
    chownSync(dir, uid, gid)
    chownSync(tmp, uid, gid)
  }
  const userArgs = isRoot() ? [`--user=${user}`] : []
  try {
    await run(MARIADB_INSTALL, ['--no-defaults', `--datadir=${data}`, `--tmpdir=${tmp}`, ...userArgs, '--skip-test-db', '--auth-root-authentication-method=normal'], {
      maxBuffer: 10 * 1024 * 1024,
    })
  } catch (err) {
    throw new Error(`mariadb-install-db failed: ${(err as { stderr?: string }).stderr ?? String(err)}`)
  }
  const port = await freePort()
  const args = [
    '--no-defaults',
    `--datadir=${data}`,
    `--tmpdir=${tmp}`,
    `--port=${port}`,
    '--bind-address=127.0.0.1',
    `--socket=${join(dir, 'sock')}`,
    `--pid-file=${join(dir, 'pid')}`,
    `--log-error=${join(dir, 'err.log')}`,
    // Without grant tables nobody needs a password; with them (needed for per-session performance_schema
    // instrumentation), root@localhost has an empty one.
    ...(options.grantTables ? [] : ['--skip-grant-tables']),
    '--skip-log-bin',
    '--innodb-buffer-pool-size=16M',
    `--max-connections=${options.maxConnections ?? 50}`,
    `--performance-schema=${options.performanceSchema ? 'ON' : 'OFF'}`,
    ...userArgs,
    ...(options.args ?? []),
  ]
  const url = `mysql://root@127.0.0.1:${port}/mysql`
  let child: ChildProcess | undefined
  const start = async () => {
    const c = spawn(MARIADBD, args, { stdio: 'ignore' })
    child = c
    let exited = false
    c.once('exit', () => (exited = true))
    await waitFor(async () => {
      if (exited) throw new Error(`mariadbd exited; see ${join(dir, 'err.log')}`)
      const conn = await mysql.createConnection({ uri: url, connectTimeout: 1_000 })
      await conn.end()
    }, `MariaDB on port ${port}`)
  }
  const halt = async () => {
    const c = child
    child = undefined
    if (!c || c.exitCode !== null) return
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve())
      c.kill('SIGTERM')
      setTimeout(() => c.kill('SIGKILL'), 20_000).unref()
    })
  }
  await start()
  let stopped = false
  return {
    kind: 'mysql',
    url,
    port,
    async restart() {
      await halt()
      await start()
    },
    async stop() {
      if (stopped) return
      stopped = true
      await halt()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Counts the server's client connections whose application_name is `app` (PostgreSQL). */
export async function pgConnectionCount(url: string, app: string): Promise<number> {
  const c = new pg.Client({ connectionString: url, application_name: 'dbscope-test-admin' })
  await c.connect()
  try {
    const r = await c.query<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1`, [app])
    return Number(r.rows[0]!.n)
  } finally {
    await c.end()
  }
}
