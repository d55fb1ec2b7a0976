/**
 * The monorepo example end to end, in a temporary copy: npm install, migrate a fresh PostgreSQL database with
 * Kysely's Migrator, dbgen, build every workspace with the repo's tsc, drive the API over HTTP, stop it with
 * SIGTERM, run the cluster worker within its connection budget — and the point of codegen: a migration that drops a
 * column the API uses makes tsc fail, naming that column.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams, type SpawnSyncReturns } from 'node:child_process'
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, onTestFinished } from 'vitest'
import { buildPackage, REPO_ROOT, TSC } from './support/built-package.js'
import { createTestDatabase, withPg, type TestDatabase } from './support/test-db.js'

let work: string
let mono: string
let database: TestDatabase
let env: NodeJS.ProcessEnv
const WORKSPACES = ['packages/data', 'apps/api', 'apps/worker'] as const
const setup = {
  migrate: undefined as unknown as SpawnSyncReturns<string>,
  check: undefined as unknown as SpawnSyncReturns<string>,
  gen: undefined as unknown as SpawnSyncReturns<string>,
  builds: [] as SpawnSyncReturns<string>[],
}

/** Runs a command in the example copy and returns its result; never throws. */
function run(cmd: string, args: readonly string[], cwd = mono, extraEnv: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd, env: { ...env, ...extraEnv }, encoding: 'utf8', timeout: 180_000 })
}

function output(r: SpawnSyncReturns<string>): string {
  return `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}`
}

/** Type-checks and builds one workspace with the repo's TypeScript compiler. */
function tsc(workspace: string): SpawnSyncReturns<string> {
  return run(process.execPath, [TSC, '-p', workspace])
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'dbscope-monorepo-'))
  // The copy keeps the repo layout, so packages/data's "dbscope": "file:../../../.." finds the built package.
  const root = buildPackage(join(work, 'root'))
  mono = join(root, 'examples/monorepo')
  cpSync(join(REPO_ROOT, 'examples/monorepo'), mono, {
    recursive: true,
    filter: (src) => !/[/\\](node_modules|dist)$/.test(src) && !src.endsWith('.env'),
  })
  database = await createTestDatabase('postgres', 'monorepo')
  env = { ...process.env, DATABASE_URL: database.url, NO_COLOR: '1' }
  const install = run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'])
  if (install.status !== 0) throw new Error(`npm install in the example failed:\n${output(install)}`)
  // What every test starts from, done once here so that the tests run in any order: the first migration run, the
  // check of the committed generated/ before dbgen rewrites it, and a build of every workspace.
  setup.migrate = run('npm', ['run', 'migrate'])
  setup.check = run('npm', ['run', 'gen:check'], join(mono, 'packages/data'))
  setup.gen = run('npm', ['run', 'gen'])
  for (const workspace of WORKSPACES) setup.builds.push(tsc(workspace))
}, 600_000)

afterAll(async () => {
  await database?.drop()
  if (work) rmSync(work, { recursive: true, force: true })
})

describe('examples/monorepo', () => {
  it('migrates with Kysely’s Migrator; the committed generated/ matches the migrations; dbgen rewrites it', () => {
    const { migrate, check, gen } = setup
    expect(migrate.status, output(migrate)).toBe(0)
    expect(migrate.stdout).toContain('migrate: applied 0001_init')
    expect(migrate.stdout).toContain('migrate: applied 0002_jobs')

    expect(gen.status, output(gen)).toBe(0)
    expect(gen.stderr).toMatch(/2 relations, 10 columns.*wrote generated\/db\.ts/)
    if (process.env.DBSCOPE_UPDATE_EXAMPLE === '1') {
      cpSync(join(mono, 'packages/data/generated'), join(REPO_ROOT, 'examples/monorepo/packages/data/generated'), { recursive: true })
    } else {
      expect(
        check.status,
        'examples/monorepo/packages/data/generated/ is stale (the migrations or the emitter changed). ' +
          `Regenerate it with DBSCOPE_UPDATE_EXAMPLE=1 npx vitest run test/example-monorepo.test.ts, then commit it.\n${output(check)}`,
      ).toBe(0)
    }
  }, 60_000)

  it('type-checks and builds every workspace with the repo’s tsc', () => {
    WORKSPACES.forEach((workspace, i) => {
      const r = setup.builds[i]!
      expect(r.status, `${workspace}:\n${output(r)}`).toBe(0)
    })
    expect(setup.builds).toHaveLength(WORKSPACES.length)
  })

  describe('apps/api', () => {
    let api: Api

    // One API process per test: the SIGTERM test ends its process, and the other must not find it gone.
    beforeEach(async () => {
      api = await startApi()
    }, 30_000)

    afterEach(async () => {
      if (api.child.exitCode === null) {
        const exited = new Promise((resolve) => api.child.once('exit', resolve))
        api.child.kill('SIGKILL')
        await exited
      }
      // Its connections end with it; the SIGTERM test counts the server sessions left on this database.
      await waitFor(async () => (await withPg((c) => c.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database.name]), database.url)).rows[0].n === 0, 10_000)
    }, 20_000)

    it('answers real requests, one db.scope per request, with the request id in the logs', async () => {
      const created = await api.fetch('/users', { method: 'POST', body: JSON.stringify({ email: 'ada@example.com', displayName: 'Ada' }), headers: { 'x-request-id': 'req-ada' } })
      expect(created.status).toBe(201)
      expect(created.headers.get('x-request-id')).toBe('req-ada')
      const ada = (await created.json()) as { id: number; email: string; displayName: string }
      expect(ada).toMatchObject({ email: 'ada@example.com', displayName: 'Ada' })

      const duplicate = await api.fetch('/users', { method: 'POST', body: JSON.stringify({ email: 'ada@example.com', displayName: 'Again' }) })
      expect(duplicate.status).toBe(409)
      const invalid = await api.fetch('/users', { method: 'POST', body: JSON.stringify({ email: 'nobody' }) })
      expect(invalid.status).toBe(400)

      const fetched = await api.fetch(`/users/${ada.id}`)
      expect(fetched.status).toBe(200)
      expect(await fetched.json()).toMatchObject({ id: ada.id, displayName: 'Ada', createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) })
      expect((await api.fetch('/users/999999')).status).toBe(404)

      const many = await Promise.all(Array.from({ length: 20 }, () => api.fetch('/users')))
      expect(many.map((r) => r.status)).toEqual(Array(20).fill(200))
      expect(new Set(many.map((r) => r.headers.get('x-request-id'))).size).toBe(20)
      expect(await many[0]!.json()).toEqual([{ id: ada.id, email: 'ada@example.com', displayName: 'Ada' }])
      expect(await (await api.fetch('/stats')).json()).toMatchObject({ busy: 0, waiting: 0 })

      const rows = await withPg((c) => c.query('SELECT email FROM users'), database.url)
      expect(rows.rows).toEqual([{ email: 'ada@example.com' }])
      // The afterCommit hook logs through the AsyncLocalStorage context of the request that committed.
      const logs = api.logLines()
      expect(logs).toContainEqual(expect.objectContaining({ requestId: 'req-ada', msg: 'POST /users 201' }))
      expect(logs).toContainEqual(expect.objectContaining({ requestId: 'req-ada', msg: 'user created', userId: ada.id, email: 'ada@example.com' }))
    }, 30_000)

    it('on SIGTERM stops accepting, drains the in-flight request, disposes the db and exits 0', async () => {
      const inFlight = api.fetch('/slow?ms=1500')
      await waitFor(async () => ((await (await api.fetch('/stats')).json()) as { busy: number }).busy === 1, 5_000)
      const exited = new Promise<number | null>((resolve) => api.child.once('exit', (code) => resolve(code)))
      api.child.kill('SIGTERM')
      await waitFor(async () => api.logLines().some((l) => l.msg === 'SIGTERM received: draining'), 5_000)
      await expect(api.fetch('/health')).rejects.toThrow()

      const slow = await inFlight
      expect(slow.status).toBe(200)
      expect(await slow.json()).toEqual({ sleptMs: 1500 })
      // Draining closes each connection after its response, so the exit follows the last response promptly
      // instead of waiting for a keep-alive connection to time out.
      expect(await withTimeout(exited, 2_500)).toBe(0)
      expect(api.logLines().map((l) => l.msg)).toContain('shutdown complete: server closed, db disposed')
      const left = await withPg((c) => c.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database.name]), database.url)
      expect(left.rows[0]).toEqual({ n: 0 })
    }, 30_000)
  })

  it('apps/worker: a cluster of 2 drains the queue, each pool clamped to the connection budget', async () => {
    await withPg((c) => c.query("INSERT INTO jobs (payload) SELECT 'job ' || g FROM generate_series(1, 200) g"), database.url)
    const worker = run(process.execPath, ['apps/worker/dist/main.js'], mono, { WORKERS: '2', POOL_MAX: '1000' })
    const all = output(worker)
    expect(worker.status, all).toBe(0)
    expect(all.match(/Clamped pool\.max to \d+/g)?.length, all).toBe(2)
    const summary = JSON.parse(worker.stdout.split('\n').find((l) => l.includes('all workers done'))!) as { processed: number; reports: unknown[]; exitCodes: number[] }
    expect(summary).toMatchObject({ processed: 200, exitCodes: [0, 0] })
    expect(summary.reports).toHaveLength(2)
    const pending = await withPg((c) => c.query("SELECT count(*)::int AS n FROM jobs WHERE done_at IS NULL OR result <> upper(payload)"), database.url)
    expect(pending.rows[0]).toEqual({ n: 0 })
  }, 60_000)

  it('stale types: dropping a column the API uses, then migrate + dbgen, makes tsc fail naming the column', () => {
    const migration = join(mono, 'packages/data/migrations/0003_drop_display_name.ts')
    onTestFinished(() => {
      // Put the example back as the other tests expect it: the column, the generated types and the built package.
      const down = run('npm', ['run', 'migrate', '--', 'down'], join(mono, 'packages/data'))
      rmSync(migration, { force: true })
      const regen = run('npm', ['run', 'gen'])
      const rebuild = tsc('packages/data')
      if (down.status !== 0 || regen.status !== 0 || rebuild.status !== 0) throw new Error(`restoring the example failed:\n${output(down)}${output(regen)}${output(rebuild)}`)
    })
    writeFileSync(
      migration,
      [
        "import type { Kysely } from 'kysely'",
        'export async function up(db: Kysely<any>): Promise<void> {',
        "  await db.schema.alterTable('users').dropColumn('display_name').execute()",
        '}',
        'export async function down(db: Kysely<any>): Promise<void> {',
        "  await db.schema.alterTable('users').addColumn('display_name', 'text', (c) => c.notNull().defaultTo('')).execute()",
        '}',
        '',
      ].join('\n'),
    )
    const migrate = run('npm', ['run', 'migrate'])
    expect(migrate.status, output(migrate)).toBe(0)
    expect(migrate.stdout).toContain('migrate: applied 0003_drop_display_name')

    // What CI sees before anyone regenerates, with the README's command from the repo root: exit 1.
    const check = run('npm', ['run', 'gen:check', '-w', '@acme/data'])
    expect(check.status, output(check)).toBe(1)
    expect(check.stderr).toContain('is stale')

    const gen = run('npm', ['run', 'gen'])
    expect(gen.status, output(gen)).toBe(0)
    expect(tsc('packages/data').status).toBe(0)
    expect(tsc('apps/worker').status).toBe(0)

    const api = tsc('apps/api')
    expect(api.status).not.toBe(0)
    expect(api.stdout).toMatch(/apps\/api\/src\/routes\.ts\(\d+,\d+\): error TS\d+/)
    expect(api.stdout).toContain('"display_name"')
    expect(api.stdout).toContain("'display_name' does not exist")
  }, 120_000)
})

interface Api {
  readonly child: ChildProcessWithoutNullStreams
  fetch(path: string, init?: RequestInit): Promise<Response>
  /** The JSON log lines written so far. */
  logLines(): LogLine[]
}

/** One JSON line of the API's log. */
interface LogLine {
  readonly msg?: string
  readonly requestId?: string
  readonly [field: string]: unknown
}

/** Starts the compiled API on an ephemeral port and resolves once it logs where it listens. */
async function startApi(): Promise<Api> {
  const child = spawn(process.execPath, ['apps/api/dist/server.js'], { cwd: mono, env: { ...env, PORT: '0' } })
  let out = ''
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s))
  child.stderr.setEncoding('utf8').on('data', (s: string) => (out += s))
  const logLines = () =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as LogLine)
  await waitFor(async () => {
    if (child.exitCode !== null) throw new Error(`The API exited with ${child.exitCode}:\n${out}`)
    return logLines().some((l) => l.msg?.startsWith('listening on'))
  }, 20_000)
  const port = logLines().find((l) => l.msg?.startsWith('listening on'))!.port as number
  return { child, logLines, fetch: (path, init) => fetch(`http://127.0.0.1:${port}${path}`, init) }
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Condition not met within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`Timed out after ${ms} ms`)), ms).unref())])
}

describe('examples/monorepo tests', () => {
  it("packages/data's tests run inside db.beginTestTransaction() and leave no rows behind", async () => {
    // A database of its own, migrated afresh: the other tests here change their database's schema.
    const own = await createTestDatabase('postgres', 'monorepo tests')
    try {
      const migrate = run('npm', ['run', 'migrate'], mono, { DATABASE_URL: own.url })
      expect(migrate.status, output(migrate)).toBe(0)
      const r = run('npm', ['test', '-w', '@acme/data'], mono, { DATABASE_URL: own.url })
      expect(r.status, output(r)).toBe(0)
      expect(output(r)).toMatch(/# pass 3/)
      const left = await withPg((c) => c.query('SELECT count(*)::int AS n FROM users'), own.url)
      expect(left.rows[0]).toEqual({ n: 0 })
    } finally {
      await own.drop()
    }
  }, 180_000)
})
