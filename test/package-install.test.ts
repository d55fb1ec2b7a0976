/**
 * The path users take: the packed tarball installed into a fresh app with ONE driver (pg, or mysql2), used under
 * plain node (compiled JS, no tsx): the typed app, `npx dbgen`, the ConfigError for a driver that is not installed,
 * `require('dbscope')` from CommonJS without require(esm), and the ESM and CJS builds sharing one engine.
 */
import { execFile, execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildPackage, REPO_ROOT, TSC } from './support/built-package.js'
import { useTestDatabase } from './support/test-db.js'

const pgDb = useTestDatabase('postgres', 'pack')
const myDb = useTestDatabase('mysql', 'pack')
const devDeps = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies
/** Node without require(esm): `require('dbscope')` must find CommonJS, as in jest's CJS mode or an older Node. */
const NO_REQUIRE_ESM = '--no-experimental-require-module'
let work: string
let pgApp: string
let myApp: string

/** A fresh app with the tarball and `packages` installed (from the npm cache where it can). */
async function makeApp(name: string, tarball: string, packages: string[]): Promise<string> {
  const app = join(work, name)
  mkdirSync(app)
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }))
  await promisify(execFile)('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--silent', tarball, ...packages, '@types/node@20'], { cwd: app })
  return app
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'dbscope-pack-'))
  const pkg = buildPackage(join(work, 'dbscope'))
  execFileSync('npm', ['pack', '--pack-destination', work, '--silent'], { cwd: pkg, stdio: ['ignore', 'pipe', 'pipe'] })
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'))
  if (!tarball) throw new Error(`npm pack wrote no tarball into ${work}`)
  ;[pgApp, myApp] = await Promise.all([
    makeApp('pg-app', join(work, tarball), [`pg@${devDeps.pg}`]),
    makeApp('mysql-app', join(work, tarball), [`mysql2@${devDeps.mysql2}`]),
  ])
}, 300_000)

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true })
})

function run(app: string, args: string[], env: Record<string, string> = {}): SpawnSyncReturns<string> {
  return spawnSync(args[0]!, args.slice(1), { cwd: app, encoding: 'utf8', timeout: 90_000, env: { ...process.env, NO_COLOR: '1', ...env } })
}

/**
 * Type-checks `file` in `app` (NodeNext, strict, the app's own @types and peers) and emits it next to it; `libCheck`
 * also checks every .d.ts (dbscope's own included), which is slow, so one test per build does it.
 */
function tsc(app: string, file: string, libCheck = false): void {
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: !libCheck, types: ['node'] }, files: [file] }),
  )
  const r = spawnSync(process.execPath, [TSC, '-p', app], { cwd: app, encoding: 'utf8' })
  expect(r.status, r.stdout + r.stderr).toBe(0)
}

/** The JSON line a script printed last. */
function lastJson(r: SpawnSyncReturns<string>): unknown {
  expect(r.status, r.stderr).toBe(0)
  return JSON.parse(r.stdout.trim().split('\n').pop()!)
}

/**
 * Writes, type-checks and runs a typed app against `url`: a table, a scope, stats, and a db on `otherUrl`, whose
 * driver is not installed, so its scope fails with the ConfigError `missing`.
 */
function expectTypedApp(app: string, url: string, otherUrl: string, missing: string, libCheck: boolean): void {
  writeFileSync(
    join(app, 'main.ts'),
    [
      "import { defineDb, ConfigError, type DbStats } from 'dbscope'",
      'interface DB { notes: { id: number; body: string } }',
      'const db = defineDb<DB>({ url: process.env.DATABASE_URL! })',
      "await db.kysely.schema.createTable('notes').ifNotExists().addColumn('id', 'integer', (c) => c.primaryKey()).addColumn('body', 'varchar(50)').execute()",
      'const body: string = await db.scope(async (tx) => {',
      "  await tx.insertInto('notes').values({ id: 1, body: 'hello' }).execute()",
      "  return (await tx.selectFrom('notes').select('body').where('id', '=', 1).executeTakeFirstOrThrow()).body",
      '})',
      'const s: DbStats = db.stats()',
      'const other = defineDb({ url: process.env.OTHER_URL! })',
      'const missing = await other.scope((tx) => tx.selectNoFrom((eb) => eb.val(1).as("one")).execute()).then(() => undefined, (e: unknown) => e)',
      'const m = missing instanceof ConfigError ? { code: missing.code, message: missing.message } : String(missing)',
      'console.log(JSON.stringify({ body, busy: s.busy, missing: m }))',
      'await Promise.all([db.dispose(), other.dispose()])',
      '',
    ].join('\n'),
  )
  tsc(app, 'main.ts', libCheck)
  expect(lastJson(run(app, [process.execPath, 'main.js'], { DATABASE_URL: url, OTHER_URL: otherUrl }))).toEqual({
    body: 'hello',
    busy: 0,
    missing: { code: 'CONFIG', message: missing },
  })
}

/** Creates the table `gen_check` through the installed dbscope, then expects `npx dbgen --url … --print` to type it. */
function expectDbgen(app: string, url: string): void {
  writeFileSync(join(app, 'table.mjs'), [
    "import { defineDb } from 'dbscope'",
    'const db = defineDb({ url: process.env.DATABASE_URL })',
    "await db.kysely.schema.createTable('gen_check').ifNotExists().addColumn('id', 'integer', (c) => c.primaryKey()).addColumn('label', 'text').execute()",
    'await db.dispose()',
  ].join('\n'))
  const table = run(app, [process.execPath, 'table.mjs'], { DATABASE_URL: url })
  expect(table.status, table.stderr).toBe(0)
  const gen = run(app, ['npx', '--no-install', 'dbgen', '--url', url, '--print'])
  expect(gen.status, gen.stderr).toBe(0)
  expect(gen.stdout).toContain('export interface DB')
  expect(gen.stdout).toContain('gen_check')
}

it('ships ESM and CommonJS builds with .d.ts for both, no TypeScript sources or tests, and only commander as a dependency', () => {
  const dir = join(pgApp, 'node_modules/dbscope')
  const files = execFileSync('find', ['.', '-type', 'f'], { cwd: dir, encoding: 'utf8' }).split('\n')
  for (const f of ['esm/src/index.js', 'esm/src/index.d.ts', 'cjs/src/index.js', 'cjs/src/index.d.ts', 'esm/codegen/cli.js', 'cjs/codegen/index.js']) {
    expect(files).toContain(`./dist/${f}`)
  }
  expect(JSON.parse(readFileSync(join(dir, 'dist/cjs/package.json'), 'utf8'))).toEqual({ type: 'commonjs' })
  expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([])
  expect(files.some((f) => f.includes('/test/'))).toBe(false)
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, Record<string, unknown>>
  expect(Object.keys(pkg.dependencies!)).toEqual(['commander'])
  expect(Object.keys(pkg.peerDependencies!).sort()).toEqual(['@electric-sql/pglite', '@opentelemetry/api', 'kysely', 'mysql2', 'pg'])
  expect(readdirSync(join(pgApp, 'node_modules'))).not.toContain('mysql2')
  expect(readdirSync(join(myApp, 'node_modules'))).not.toContain('pg')
})

describe('an app with only pg installed', () => {
  it('type-checks and runs a PostgreSQL app; a MySQL URL gives a ConfigError naming `npm install mysql2`', () => {
    expectTypedApp(pgApp, pgDb.url, myDb.url, 'MySQL and MariaDB URLs need the mysql2 driver: npm install mysql2.', true)
  }, 90_000)

  it('runs `npx dbgen --url` against PostgreSQL', () => expectDbgen(pgApp, pgDb.url), 60_000)

  it('`npx dbgen --from-sql` without PGlite installed says to install @electric-sql/pglite', () => {
    copyFileSync(join(REPO_ROOT, 'examples/schema.sql'), join(pgApp, 'schema.sql'))
    const gen = run(pgApp, ['npx', '--no-install', 'dbgen', '--from-sql', 'schema.sql', '--print'])
    expect(gen.status).toBe(2)
    expect(gen.stderr).toContain('npm install @electric-sql/pglite')
    expect(gen.stderr).toContain('[DBGEN_CONFIG]')
  }, 60_000)

  it('a CommonJS app (TypeScript compiled to CJS, jest-style test file) requires dbscope and runs a scope, without require(esm)', () => {
    writeFileSync(join(pgApp, 'cjs-test.cts'), [
      "import { defineDb, ConfigError, type DbStats } from 'dbscope'",
      "import assert = require('node:assert')",
      '/** What jest gives a CJS test file: test() and a runner that awaits each test. */',
      'const tests: [string, () => Promise<void>][] = []',
      'const test = (name: string, fn: () => Promise<void>) => tests.push([name, fn])',
      'const db = defineDb<{ notes: { id: number; body: string } }>({ url: process.env.DATABASE_URL! })',
      "test('a scope commits', async () => {",
      "  await db.kysely.schema.createTable('notes').ifNotExists().addColumn('id', 'integer', (c) => c.primaryKey()).addColumn('body', 'text').execute()",
      "  await db.scope((tx) => tx.insertInto('notes').values({ id: 7, body: 'from cjs' }).onConflict((oc) => oc.doNothing()).execute())",
      "  const row = await db.kysely.selectFrom('notes').select('body').where('id', '=', 7).executeTakeFirstOrThrow()",
      "  assert.equal(row.body, 'from cjs')",
      '  const s: DbStats = db.stats()',
      '  assert.equal(s.busy, 0)',
      '})',
      "test('errors are the classes it exports', async () => assert.ok(new ConfigError('x') instanceof Error))",
      ';(async () => {',
      '  const passed: string[] = []',
      '  for (const [name, fn] of tests) { await fn(); passed.push(name) }',
      '  await db.dispose()',
      "  console.log(JSON.stringify({ passed, resolved: require.resolve('dbscope').split('node_modules/dbscope/')[1] }))",
      '})()',
      '',
    ].join('\n'))
    tsc(pgApp, 'cjs-test.cts', true)
    expect(lastJson(run(pgApp, [process.execPath, NO_REQUIRE_ESM, 'cjs-test.cjs'], { DATABASE_URL: pgDb.url }))).toEqual({
      passed: ['a scope commits', 'errors are the classes it exports'],
      resolved: 'dist/cjs/src/index.js',
    })
  }, 90_000)

  it('the ESM and the CommonJS build loaded in one process share one engine (one pool)', () => {
    writeFileSync(join(pgApp, 'dual.mjs'), [
      "import { createRequire } from 'node:module'",
      "import * as esm from 'dbscope'",
      "const cjs = createRequire(import.meta.url)('dbscope')",
      'const url = process.env.DATABASE_URL',
      'const a = esm.defineDb({ url, pool: { max: 1 } })',
      'const b = cjs.defineDb({ url, pool: { max: 1 } })',
      'let entered, release',
      'const inside = new Promise((r) => (entered = r))',
      'const held = new Promise((r) => (release = r))',
      'const scope = a.scope(async (tx) => {',
      "  await tx.selectNoFrom((eb) => eb.val(1).as('one')).execute()",
      '  entered()',
      '  await held',
      '})',
      'await inside',
      '// The ESM db holds the only connection: the CJS db sees it busy, because it is the same pool.',
      'const seenFromCjs = b.stats()',
      'release()',
      'await scope',
      'await b.dispose()',
      'console.log(JSON.stringify({ twoModules: esm.defineDb !== cjs.defineDb, busy: seenFromCjs.busy, total: seenFromCjs.total }))',
      '',
    ].join('\n'))
    expect(lastJson(run(pgApp, [process.execPath, NO_REQUIRE_ESM, 'dual.mjs'], { DATABASE_URL: pgDb.url }))).toEqual({ twoModules: true, busy: 1, total: 1 })
  }, 60_000)
})

describe('an app with only mysql2 installed', () => {
  it('type-checks and runs a MariaDB app; a PostgreSQL URL gives a ConfigError naming `npm install pg`', () => {
    expectTypedApp(myApp, myDb.url, pgDb.url, 'PostgreSQL URLs need the pg driver: npm install pg.', false)
  }, 90_000)

  it('runs `npx dbgen --url` against MariaDB', () => expectDbgen(myApp, myDb.url), 60_000)
})
