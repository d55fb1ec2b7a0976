/**
 * A real pg_auto_failover formation for failover tests: a monitor and two PostgreSQL nodes, each run by
 * `pg_autoctl … --run` as the `postgres` user, on free loopback ports, under one temp directory. The nodes use
 * pg_autoctl's defaults as a new user gets them (`--ssl-self-signed`, so the manager's URI says `sslmode=require`),
 * with `--auth trust` on loopback and health checks shortened so that a failover takes seconds, not a minute.
 * Every process is killed and the directory deleted afterwards, even when a test fails or the worker exits.
 *
 * Roles change under the tests (a failover, a switchover): ask `roles()` which node is the primary now.
 *
 * @example
 * const f = useFormation()
 * it('…', async () => { const { primary } = await f.formation.roles(); await f.formation.kill(primary) })
 */
import { execFile, spawn } from 'node:child_process'
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'
import { afterAll, beforeAll } from 'vitest'
import { disposeAll } from '../../src/index.js'
import { PG_BIN, chownTo, freePort, isRoot } from './throwaway-server.js'

const run = promisify(execFile)
const PG_AUTOCTL = process.env.DBSCOPE_PG_AUTOCTL ?? '/usr/bin/pg_autoctl'
const INSTALL = 'apt-get install -y postgresql-15-auto-failover'

export interface FormationNode {
  readonly name: string
  readonly port: number
  /** This node alone, plain text, for the test's own checks (loopback is trusted without TLS). */
  readonly url: string
  /** This node alone, the way the manager's URI reaches it: `sslmode=require`. */
  readonly tlsUrl: string
}

export interface NodeState {
  readonly node: FormationNode
  readonly reported: string
  readonly goal: string
}

export interface Formation {
  /** `pg_autoctl show uri --formation default`, exactly as printed (hosts, `target_session_attrs`, `sslmode`). */
  readonly uri: string
  readonly database: string
  readonly nodes: readonly FormationNode[]
  /** Each node's state as the monitor has it. */
  states(): Promise<NodeState[]>
  /** Waits until one node is primary and the other secondary, both settled, and returns which is which. */
  roles(timeoutMs?: number): Promise<{ primary: FormationNode; secondary: FormationNode }>
  /** Waits until `check` holds for the monitor's states. */
  waitFor(what: string, check: (states: NodeState[]) => boolean, timeoutMs?: number): Promise<NodeState[]>
  /** `kill -9` of the node's keeper, its postmaster and every process they started: a crash. */
  kill(node: FormationNode): Promise<void>
  /** `pg_autoctl run` for a killed node: it rejoins, as the monitor decides. */
  restart(node: FormationNode): Promise<void>
  /** `pg_autoctl perform switchover`: a planned role swap; resolves when the monitor reports it done. */
  switchover(): Promise<void>
  /** The tail of a process's log (`monitor`, `node1`, `node2`), for failure messages. */
  log(name: string): string
  stop(): Promise<void>
}

/** Why this machine cannot run a formation (pg_autoctl missing), or undefined when it can. */
export function pgAutoctlMissing(): string | undefined {
  if (existsSync(PG_AUTOCTL)) return undefined
  return `pg_auto_failover's pg_autoctl is not installed (${PG_AUTOCTL}). Install it with: ${INSTALL}`
}

/** True where a missing pg_autoctl must fail the run instead of skipping (CI=true). */
export function pgAutoctlRequired(): boolean {
  return /^(true|1)$/i.test(process.env.CI ?? '')
}

/** The health-check settings that make the monitor fail over in seconds (defaults: 20 s and more). */
const MONITOR_SETTINGS: Readonly<Record<string, number>> = {
  'pgautofailover.health_check_period': 1_000,
  'pgautofailover.health_check_timeout': 1_000,
  'pgautofailover.health_check_max_retries': 1,
  'pgautofailover.health_check_retry_delay': 500,
  'pgautofailover.node_considered_unhealthy_timeout': 3_000,
  'pgautofailover.primary_demote_timeout': 5_000,
}
/** Each node's own timeouts, in seconds (default 20). */
const NODE_SETTINGS: Readonly<Record<string, number>> = {
  'timeout.network_partition_timeout': 5,
  'timeout.postgresql_restart_failure_timeout': 5,
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Every process group a formation started in this worker, killed on exit if `stop()` never ran. */
const LIVE_GROUPS = new Set<number>()
process.once('exit', () => {
  for (const g of LIVE_GROUPS) killGroup(g)
})

function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL')
  } catch {
    /* already gone */
  }
}

async function query<R>(url: string, text: string): Promise<R[]> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000, application_name: 'dbscope-test-admin' })
  c.on('error', () => undefined)
  await c.connect()
  try {
    return (await c.query(text)).rows as R[]
  } finally {
    await c.end().catch(() => undefined)
  }
}

/** Starts the formation; it is settled (one primary, one secondary) when this resolves. */
export async function startFormation(): Promise<Formation> {
  const missing = pgAutoctlMissing()
  if (missing) throw new Error(missing)
  const dir = mkdtempSync(join(tmpdir(), 'dbscope-pgaf-'))
  await chownTo('postgres', dir)
  const database = `pgaf_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`
  // pg_autoctl keeps its config and state under XDG directories: inside ours, so that deleting it leaves nothing.
  const env: Record<string, string> = {
    PATH: '/usr/bin:/bin',
    HOME: dir,
    XDG_CONFIG_HOME: join(dir, 'config'),
    XDG_DATA_HOME: join(dir, 'share'),
    XDG_RUNTIME_DIR: join(dir, 'run'),
  }
  const command = (args: readonly string[]): [string, string[]] =>
    isRoot()
      ? ['runuser', ['-u', 'postgres', '--', 'env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), PG_AUTOCTL, ...args]]
      : [PG_AUTOCTL, [...args]]
  const groups = new Map<string, number>()
  const logPath = (name: string) => join(dir, `${name}.log`)
  const log = (name: string) => {
    try {
      return readFileSync(logPath(name), 'utf8').split('\n').slice(-40).join('\n')
    } catch {
      return '(no log)'
    }
  }
  /** A long-running `pg_autoctl … --run` in a process group of its own, its output appended to `<name>.log`. */
  const launch = (name: string, args: readonly string[]) => {
    const out = openSync(logPath(name), 'a')
    const [file, argv] = command(args)
    const child = spawn(file, argv, { detached: true, stdio: ['ignore', out, out], env: isRoot() ? process.env : { ...process.env, ...env } })
    closeSync(out)
    child.unref()
    groups.set(name, child.pid!)
    LIVE_GROUPS.add(child.pid!)
  }
  const autoctl = async (args: readonly string[]) => {
    const [file, argv] = command(args)
    try {
      return (await run(file, argv, { env: isRoot() ? process.env : { ...process.env, ...env }, timeout: 120_000 })).stdout
    } catch (err) {
      const e = err as { stderr?: string; message: string }
      throw new Error(`pg_autoctl ${args.join(' ')} failed: ${e.stderr || e.message}`)
    }
  }

  const [monitorPort, port1, port2] = [await freePort(), await freePort(), await freePort()]
  const monitorUrl = `postgres://postgres@localhost:${monitorPort}/pg_auto_failover`
  const monitorData = join(dir, 'monitor')
  const nodes: FormationNode[] = [
    ['node1', port1],
    ['node2', port2],
  ].map(([name, port]) => ({
    name: name as string,
    port: port as number,
    url: `postgres://postgres@localhost:${port}/${database}`,
    tlsUrl: `postgres://postgres@localhost:${port}/${database}?sslmode=require`,
  }))
  const pgdata = (node: FormationNode) => join(dir, node.name)

  const states = async (): Promise<NodeState[]> => {
    const rows = await query<{ nodename: string; reportedstate: string; goalstate: string }>(
      monitorUrl,
      `SELECT nodename, reportedstate::text, goalstate::text FROM pgautofailover.node ORDER BY nodeid`,
    )
    return rows.flatMap((r) => {
      const node = nodes.find((n) => n.name === r.nodename)
      return node ? [{ node, reported: r.reportedstate, goal: r.goalstate }] : []
    })
  }
  const waitFor = async (what: string, check: (s: NodeState[]) => boolean, timeoutMs = 90_000) => {
    const until = Date.now() + timeoutMs
    let last: NodeState[] | string = 'no answer from the monitor'
    while (Date.now() < until) {
      try {
        const s = await states()
        last = s
        if (check(s)) return s
      } catch (err) {
        last = String((err as Error).message)
      }
      await sleep(250)
    }
    const seen = typeof last === 'string' ? last : last.map((s) => `${s.node.name} ${s.reported}/${s.goal}`).join(', ')
    throw new Error(`pg_auto_failover: ${what} did not happen within ${timeoutMs} ms (monitor says: ${seen})\n${['monitor', ...nodes.map((n) => n.name)].map((n) => `--- ${n}.log\n${log(n)}`).join('\n')}`)
  }
  const settled = (s: NodeState[], name: string, state: string) => s.some((x) => x.node.name === name && x.reported === state && x.goal === state)
  const roles = async (timeoutMs?: number) => {
    const s = await waitFor(
      'one settled primary and one settled secondary',
      (s) => s.length === 2 && s.some((x) => settled(s, x.node.name, 'primary')) && s.some((x) => settled(s, x.node.name, 'secondary')),
      timeoutMs,
    )
    return { primary: s.find((x) => x.reported === 'primary')!.node, secondary: s.find((x) => x.reported === 'secondary')!.node }
  }
  const nodeArgs = (node: FormationNode) => [
    'create', 'postgres', '--pgdata', pgdata(node), '--pgport', String(node.port), '--pgctl', join(PG_BIN, 'pg_ctl'),
    '--pghost', 'localhost', '--listen', 'localhost', '--hostname', 'localhost', '--name', node.name, '--dbname', database,
    '--monitor', `postgres://autoctl_node@localhost:${monitorPort}/pg_auto_failover?sslmode=require`,
    '--auth', 'trust', '--ssl-self-signed', '--run',
  ]
  const configure = async (node: FormationNode) => {
    for (const [key, value] of Object.entries(NODE_SETTINGS)) await autoctl(['config', 'set', '--pgdata', pgdata(node), key, String(value)])
  }

  let stopped = false
  const stop = async () => {
    if (stopped) return
    stopped = true
    for (const g of groups.values()) {
      killGroup(g)
      LIVE_GROUPS.delete(g)
    }
    // The postmasters' children notice their parent's death within a moment; give them one before deleting.
    await sleep(200)
    rmSync(dir, { recursive: true, force: true })
  }

  try {
    launch('monitor', ['create', 'monitor', '--pgdata', monitorData, '--pgport', String(monitorPort), '--pgctl', join(PG_BIN, 'pg_ctl'), '--hostname', 'localhost', '--auth', 'trust', '--ssl-self-signed', '--run'])
    await waitFor('the monitor coming up', () => true, 60_000)
    for (const [name, value] of Object.entries(MONITOR_SETTINGS)) await query(monitorUrl, `ALTER SYSTEM SET ${name} = ${value}`)
    await query(monitorUrl, 'SELECT pg_reload_conf()')

    const [node1, node2] = nodes as [FormationNode, FormationNode]
    launch(node1.name, nodeArgs(node1))
    await waitFor('node1 as a single primary', (s) => settled(s, 'node1', 'single'), 60_000)
    await configure(node1)
    // Without it node2's base backup waits for a spread checkpoint (about 95 s).
    await query(node1.url, 'CHECKPOINT')
    launch(node2.name, nodeArgs(node2))
    await waitFor('node2 as a secondary', (s) => settled(s, 'node2', 'secondary') && settled(s, 'node1', 'primary'), 120_000)
    await configure(node2)
  } catch (err) {
    await stop()
    throw err
  }
  const uri = (await autoctl(['show', 'uri', '--pgdata', monitorData, '--formation', 'default'])).trim()

  return {
    uri,
    database,
    nodes,
    states,
    roles,
    waitFor,
    async kill(node) {
      const g = groups.get(node.name)
      if (g === undefined) throw new Error(`${node.name} is not running`)
      killGroup(g)
      LIVE_GROUPS.delete(g)
      groups.delete(node.name)
      // The postmaster is gone when its port refuses.
      const until = Date.now() + 10_000
      while (Date.now() < until && (await query(node.url, 'SELECT 1').then(() => true, () => false))) await sleep(50)
    },
    async restart(node) {
      if (groups.has(node.name)) throw new Error(`${node.name} is already running`)
      launch(node.name, ['run', '--pgdata', pgdata(node)])
    },
    async switchover() {
      await autoctl(['perform', 'switchover', '--pgdata', monitorData, '--formation', 'default'])
    },
    log,
    stop,
  }
}

/**
 * Registers hooks that start one formation for the file (a describe-level beforeAll) and, afterwards, dispose every
 * engine and tear it down. Read `.formation` inside tests.
 */
export function useFormation(): { readonly formation: Formation } {
  let formation: Formation | undefined
  beforeAll(async () => {
    const started = Date.now()
    formation = await startFormation()
    process.stdout.write(`pg_auto_failover formation (monitor + 2 nodes) up in ${((Date.now() - started) / 1000).toFixed(1)} s\n`)
  }, 240_000)
  afterAll(async () => {
    await disposeAll()
    await formation?.stop()
  }, 60_000)
  return {
    get formation() {
      if (!formation) throw new Error('useFormation: read .formation inside a test, after beforeAll ran')
      return formation
    },
  }
}
