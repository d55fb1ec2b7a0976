/**
 * `dbgen init`: the scaffold's files, the refusal to overwrite without --force, the CLI wiring, and the scaffold
 * itself working — npm install, its own `npm run migrate` and `npm run gen` against a fresh PostgreSQL database,
 * then tsc and a query through the built package. The MySQL variant's migration runs against MariaDB.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CommanderError } from 'commander'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildProgram } from '../codegen/cli.js'
import { InitError, runInit } from '../codegen/init.js'
import { buildPackage, REPO_ROOT, TSC } from './support/built-package.js'
import { createTestDatabase, withMysql, type TestDatabase } from './support/test-db.js'

const SCAFFOLD = [
  'package.json',
  'dbgen.config.json',
  'tsconfig.json',
  'src/connection.ts',
  'src/create-db.ts',
  'src/index.ts',
  'src/migrate.ts',
  'migrations/0001_init.ts',
  'README.md',
  '.env.example',
  '.gitignore',
]

let work: string

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'dbscope-init-'))
})

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true })
})

describe('runInit', () => {
  it('writes the package files, with scripts migrate and gen, and no generated/ before the first gen', async () => {
    const dir = join(work, 'files')
    const { written } = await runInit(dir, { name: '@acme/data' })
    expect(written).toEqual(SCAFFOLD)
    for (const f of SCAFFOLD) expect(existsSync(join(dir, f)), f).toBe(true)
    expect(existsSync(join(dir, 'generated'))).toBe(false)
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, any>
    expect(pkg).toMatchObject({ name: '@acme/data', type: 'module', scripts: { migrate: 'tsx src/migrate.ts', gen: 'dbgen', 'gen:check': 'dbgen --check' } })
    expect(Object.keys(pkg.dependencies)).toEqual(['dbscope', 'kysely', 'pg'])
    expect(pkg.exports['.']).toEqual({ types: './dist/src/index.d.ts', default: './dist/src/index.js' })
    expect(JSON.parse(readFileSync(join(dir, 'dbgen.config.json'), 'utf8'))).toEqual({ out: 'generated', exclude: ['kysely_migration', 'kysely_migration_lock'] })
    expect(readFileSync(join(dir, 'src/index.ts'), 'utf8')).toContain('export const db = createDb()')
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toContain('npm run migrate && npm run gen')
  })

  it('depends on the driver of its --dialect: pg for postgres, mysql2 for mysql (dbscope only declares them as peers)', async () => {
    const ours = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }
    const deps = async (dialect: 'postgres' | 'mysql') => {
      const dir = join(work, `driver-${dialect}`)
      await runInit(dir, { name: '@acme/data', dialect })
      return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies
    }
    const pg = await deps('postgres')
    expect(pg.pg).toBe(ours.devDependencies.pg)
    expect(pg.mysql2).toBeUndefined()
    const mysql = await deps('mysql')
    expect(mysql.mysql2).toBe(ours.devDependencies.mysql2)
    expect(mysql.pg).toBeUndefined()
  })

  it('refuses to overwrite, naming the files and --force, and writes nothing', async () => {
    const dir = join(work, 'refused')
    await runInit(dir, { name: '@acme/data' })
    writeFileSync(join(dir, 'src/index.ts'), '// mine\n')
    rmSync(join(dir, 'README.md'))
    const err = await runInit(dir, { name: '@acme/data' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(InitError)
    expect(err).toMatchObject({ code: 'DBGEN_INIT_EXISTS' })
    expect((err as Error).message).toContain('package.json')
    expect((err as Error).message).toContain('src/index.ts')
    expect((err as Error).message).toContain('Pass --force')
    expect(readFileSync(join(dir, 'src/index.ts'), 'utf8')).toBe('// mine\n')
    expect(existsSync(join(dir, 'README.md'))).toBe(false)
  })

  it('overwrites with force', async () => {
    const dir = join(work, 'forced')
    await runInit(dir, { name: '@acme/data' })
    writeFileSync(join(dir, 'src/index.ts'), '// mine\n')
    rmSync(join(dir, 'README.md'))
    const { written } = await runInit(dir, { name: '@acme/data', force: true })
    expect(written).toEqual(SCAFFOLD)
    expect(readFileSync(join(dir, 'src/index.ts'), 'utf8')).toContain('export const db = createDb()')
    expect(existsSync(join(dir, 'README.md'))).toBe(true)
  })

  it('is what examples/monorepo/packages/data was scaffolded from (only the dbscope dependency differs)', async () => {
    const dir = join(work, 'example-twin')
    await runInit(dir, { name: '@acme/data' })
    const example = join(REPO_ROOT, 'examples/monorepo/packages/data')
    for (const f of SCAFFOLD.filter((f) => f !== 'package.json')) {
      expect(readFileSync(join(example, f), 'utf8'), `${f} drifted from the scaffold; rerun dbgen init --force there`).toBe(readFileSync(join(dir, f), 'utf8'))
    }
    const pkg = (d: string) => JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; scripts: Record<string, string> }
    const ours = pkg(dir)
    const theirs = pkg(example)
    expect(theirs.dependencies.dbscope).toBe('file:../../../..')
    // The example adds one thing the scaffold does not have: its own tests (test/, run inside db.beginTestTransaction()).
    expect(theirs.scripts.test).toMatch(/test\/\*\.test\.ts/)
    expect(ours.scripts.test).toBeUndefined()
    const { test: _exampleTests, ...theirScripts } = theirs.scripts
    expect({ ...theirs, scripts: theirScripts, dependencies: { ...theirs.dependencies, dbscope: ours.dependencies.dbscope } }).toEqual(ours)
  })

  it('rejects a bad package name or dialect with DBGEN_INIT_USAGE', async () => {
    await expect(runInit(join(work, 'bad'), { name: 'Not A Name' })).rejects.toMatchObject({ code: 'DBGEN_INIT_USAGE' })
    await expect(runInit(join(work, 'bad'), { dialect: 'oracle' as 'mysql' })).rejects.toMatchObject({ code: 'DBGEN_INIT_USAGE' })
    expect(existsSync(join(work, 'bad'))).toBe(false)
  })
})

describe('dbgen init (the dbgen program)', () => {
  function program(out: string[]) {
    const io = { cwd: work, env: {}, stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => out.push(s) } }
    // buildProgram registers `init` itself, exactly as the dbgen bin does.
    return buildProgram(async () => 0, () => undefined, io)
  }

  it('prints what it wrote and the next steps', async () => {
    const out: string[] = []
    await program(out).parseAsync(['init', 'cli-pkg', '--name', '@acme/data', '--dialect', 'mysql'], { from: 'user' })
    const text = out.join('')
    expect(text).toContain('dbgen init: wrote 11 files in cli-pkg/')
    expect(text).toContain('cli-pkg/migrations/0001_init.ts')
    expect(text).toContain('cd cli-pkg')
    expect(text).toContain('npm run migrate && npm run gen')
    expect(text).toContain('mysql://')
    expect(readFileSync(join(work, 'cli-pkg/migrations/0001_init.ts'), 'utf8')).toContain('autoIncrement()')
  })

  it('fails with DBGEN_INIT_EXISTS on a second run, and succeeds with --force', async () => {
    await program([]).parseAsync(['init', 'cli-again'], { from: 'user' })
    const err: string[] = []
    await expect(program(err).parseAsync(['init', 'cli-again'], { from: 'user' })).rejects.toMatchObject({ code: 'DBGEN_INIT_EXISTS', exitCode: 2 })
    expect(err.join('')).toMatch(/^dbgen: .*cli-again already has package\.json, .*Pass --force to overwrite them.* \[DBGEN_INIT_EXISTS\]\n$/)
    const out: string[] = []
    await program(out).parseAsync(['init', 'cli-again', '--force'], { from: 'user' })
    expect(out.join('')).toContain('wrote 11 files')
  })

  it('rejects an unknown dialect as a usage error and shows examples in --help', async () => {
    await expect(program([]).parseAsync(['init', 'x', '--dialect', 'oracle'], { from: 'user' })).rejects.toBeInstanceOf(CommanderError)
    const out: string[] = []
    await program(out).parseAsync(['init', '--help'], { from: 'user' }).catch(() => undefined)
    expect(out.join('')).toContain('$ dbgen init packages/data --name @acme/data')
  })
})

describe('the scaffold works', () => {
  let app: string
  let pgDb: TestDatabase
  let myDb: TestDatabase
  const run = (cwd: string, url: string, args: string[]): SpawnSyncReturns<string> =>
    spawnSync(args[0]!, args.slice(1), { cwd, env: { ...process.env, DATABASE_URL: url, NO_COLOR: '1' }, encoding: 'utf8', timeout: 180_000 })
  const output = (r: SpawnSyncReturns<string>) => `${r.stdout}${r.stderr}${r.error ? String(r.error) : ''}`

  beforeAll(async () => {
    buildPackage(join(work, 'dbscope'))
    app = join(work, 'app')
    await runInit(app, { name: '@acme/data' })
    // Not on the registry yet: point the scaffold's dependency at the built package, copied in (not linked).
    const pkgPath = join(app, 'package.json')
    const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { dependencies: Record<string, string> }
    pkg.dependencies.dbscope = 'file:../dbscope'
    // The --dialect mysql scaffold below links this node_modules, so its driver is installed here too.
    pkg.dependencies.mysql2 = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies.mysql2!
    writeFileSync(pkgPath, JSON.stringify(pkg, null, 2))
    const install = spawnSync('npm', ['install', '--install-links', '--prefer-offline', '--no-audit', '--no-fund', '--no-package-lock'], { cwd: app, encoding: 'utf8', timeout: 180_000 })
    if (install.status !== 0) throw new Error(`npm install in the scaffold failed:\n${output(install)}`)
    ;[pgDb, myDb] = await Promise.all([createTestDatabase('postgres', 'init'), createTestDatabase('mysql', 'init')])
  }, 300_000)

  afterAll(async () => {
    await Promise.all([pgDb?.drop(), myDb?.drop()])
  })

  it('type-checks after its own npm run migrate && npm run gen, and its db runs a scope', () => {
    const before = run(app, pgDb.url, [process.execPath, TSC, '-p', '.', '--noEmit'])
    expect(before.status, 'generated/ does not exist yet, so the package cannot compile').not.toBe(0)
    expect(before.stdout).toContain('generated/db.js')

    const migrate = run(app, pgDb.url, ['npm', 'run', 'migrate'])
    expect(migrate.status, output(migrate)).toBe(0)
    expect(migrate.stdout).toContain('migrate: applied 0001_init')
    const gen = run(app, pgDb.url, ['npm', 'run', 'gen'])
    expect(gen.status, output(gen)).toBe(0)
    const types = readFileSync(join(app, 'generated/db.ts'), 'utf8')
    expect(types).toContain('export interface UsersTable')
    expect(types).toContain('display_name: string')
    expect(types).not.toContain('kysely_migration')

    const build = run(app, pgDb.url, [process.execPath, TSC, '-p', '.'])
    expect(build.status, output(build)).toBe(0)
    const script = [
      "import { db } from './dist/src/index.js'",
      "const user = await db.scope((tx) => tx.insertInto('users').values({ email: 'ada@example.com', display_name: 'Ada' }).returning(['id', 'display_name']).executeTakeFirstOrThrow())",
      'console.log(JSON.stringify(user))',
      'await db.dispose()',
    ].join('\n')
    const smoke = run(app, pgDb.url, [process.execPath, '--input-type=module', '-e', script])
    expect(smoke.status, output(smoke)).toBe(0)
    expect(JSON.parse(smoke.stdout)).toEqual({ id: 1, display_name: 'Ada' })

    const check = run(app, pgDb.url, ['npm', 'run', 'gen:check'])
    expect(check.status, output(check)).toBe(0)
  }, 120_000)

  it('a migrate that cannot connect prints the failure only, never "already up to date"', () => {
    const migrate = run(app, 'postgres://app@127.0.0.1:1/nowhere', ['npm', 'run', 'migrate'])
    expect(migrate.status).not.toBe(0)
    expect(output(migrate)).toContain('migrate: failed:')
    expect(output(migrate)).not.toContain('already up to date')
  }, 60_000)

  it('the --dialect mysql scaffold migrates MariaDB, and migrate -- down reverts it', async () => {
    const mysqlApp = join(work, 'app-mysql')
    await runInit(mysqlApp, { name: '@acme/data', dialect: 'mysql' })
    symlinkSync(join(app, 'node_modules'), join(mysqlApp, 'node_modules'))
    const migrate = run(mysqlApp, myDb.url, ['npm', 'run', 'migrate'])
    expect(migrate.status, output(migrate)).toBe(0)
    expect(migrate.stdout).toContain('migrate: applied 0001_init')
    const columns = await withMysql(async (c) => {
      const [rows] = await c.query('SELECT column_name AS name FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ? ORDER BY ordinal_position', ['users'])
      return (rows as { name: string }[]).map((r) => r.name)
    }, myDb.url)
    expect(columns).toEqual(['id', 'email', 'display_name', 'created_at'])
    const down = run(mysqlApp, myDb.url, ['npm', 'run', 'migrate', '--', 'down'])
    expect(down.status, output(down)).toBe(0)
    expect(down.stdout).toContain('migrate: reverted 0001_init')
  }, 60_000)
})
