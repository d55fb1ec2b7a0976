/**
 * The path users take: `npm pack`, install the tarball into a fresh app, import `dbscope` with its types, and run
 * `npx dbgen` under plain node (compiled JS, no tsx or TypeScript at run time).
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, writeFileSync, copyFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'

const root = resolve(import.meta.dirname, '..')
let work: string
let app: string

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'dbscope-pack-'))
  execFileSync('npm', ['pack', '--pack-destination', work, '--silent'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'))
  if (!tarball) throw new Error(`npm pack wrote no tarball into ${work}`)
  app = join(work, 'app')
  execFileSync('mkdir', ['-p', app])
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'fresh-app', private: true, type: 'module' }))
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--silent', join(work, tarball), '@types/node@20'], { cwd: app, stdio: ['ignore', 'pipe', 'pipe'] })
}, 240_000)

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true })
})

it('ships compiled JS and .d.ts only, no TypeScript sources or tests', () => {
  const files = execFileSync('find', ['.', '-type', 'f'], { cwd: join(app, 'node_modules/dbscope'), encoding: 'utf8' }).split('\n')
  expect(files).toContain('./dist/src/index.js')
  expect(files).toContain('./dist/src/index.d.ts')
  expect(files).toContain('./dist/codegen/cli.js')
  expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([])
  expect(files.some((f) => f.includes('/test/'))).toBe(false)
})

it('runs `npx dbgen --version` and `--from-sql … --print` under plain node', () => {
  const version = spawnSync('npx', ['--no-install', 'dbgen', '--version'], { cwd: app, encoding: 'utf8' })
  expect(version.status, version.stderr).toBe(0)
  expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/)
  copyFileSync(join(root, 'examples/schema.sql'), join(app, 'schema.sql'))
  const gen = spawnSync('npx', ['--no-install', 'dbgen', '--from-sql', 'schema.sql', '--print'], { cwd: app, encoding: 'utf8' })
  expect(gen.status, gen.stderr).toBe(0)
  expect(gen.stdout).toContain('export interface DB')
  expect(gen.stdout).toContain('users')
}, 60_000)

it('type-checks an app that imports dbscope and runs it against PGlite', () => {
  writeFileSync(
    join(app, 'main.ts'),
    [
      "import { defineDb, ScopeTimeoutError, type DbStats } from 'dbscope'",
      'interface DB { notes: { id: number; body: string } }',
      "const db = defineDb<DB>({ url: 'pglite://memory' })",
      "await db.kysely.schema.createTable('notes').addColumn('id', 'integer', (c) => c.primaryKey()).addColumn('body', 'text').execute()",
      "const body: string = await db.scope(async (tx) => {",
      "  await tx.insertInto('notes').values({ id: 1, body: 'hello' }).execute()",
      "  const row = await tx.selectFrom('notes').select('body').where('id', '=', 1).executeTakeFirstOrThrow()",
      '  return row.body',
      '})',
      'const s: DbStats = db.stats()',
      'console.log(JSON.stringify({ body, busy: s.busy, timeoutCode: new ScopeTimeoutError(1).code }))',
      'await db.dispose()',
      '',
    ].join('\n'),
  )
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: false, types: ['node'] }, files: ['main.ts'] }),
  )
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', app], { cwd: app, encoding: 'utf8' })
  expect(tsc.status, tsc.stdout + tsc.stderr).toBe(0)
  const run = spawnSync(process.execPath, ['main.js'], { cwd: app, encoding: 'utf8', timeout: 60_000 })
  expect(run.status, run.stderr).toBe(0)
  expect(JSON.parse(run.stdout.trim().split('\n').pop()!)).toEqual({ body: 'hello', busy: 0, timeoutCode: 'SCOPE_TIMEOUT' })
}, 120_000)
