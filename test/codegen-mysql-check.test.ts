/**
 * `dbgen --check` against MariaDB: passes on freshly generated output, exits 1 with a unified diff after an
 * `ALTER TABLE`, and exits 2 on a bad URL without ever printing the password.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { main, type CliIo } from '../codegen/cli.js'
import { createTestDatabase, useTestDatabase, withMysql } from './support/test-db.js'

const database = useTestDatabase('mysql', 'check')
const twin = useTestDatabase('mysql', 'check_twin')
const cwd = mkdtempSync(join(tmpdir(), 'dbgen-mysql-check-'))
const DDL = `
  CREATE TABLE users (id int AUTO_INCREMENT PRIMARY KEY, email varchar(100) NOT NULL, prefs json, role enum('admin', 'user') NOT NULL DEFAULT 'user');
  CREATE TABLE posts (id int PRIMARY KEY, user_id int REFERENCES users (id), title text);
`

async function dbgen(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return dbgenIn(cwd, ...argv)
}

async function dbgenIn(dir: string, ...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = ''
  let stderr = ''
  const io: CliIo = {
    cwd: dir,
    env: { NO_COLOR: '1' },
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
  }
  const code = await main(argv, io)
  return { code, stdout, stderr }
}

beforeAll(async () => {
  await withMysql((c) => c.query(DDL), database.url)
  await withMysql((c) => c.query(DDL), twin.url)
})

afterAll(() => rmSync(cwd, { recursive: true, force: true }))

it('writes, then --check passes on the fresh output (mariadb:// works too)', async () => {
  const gen = await dbgen('--url', database.url, '--out', 'generated')
  expect(gen.stderr).toMatch(/^dbgen: 2 relations, 7 columns, 1 enum from mysql:\/\/root@127\.0\.0\.1:3306\/\S+ in \d+ ms; wrote/)
  expect(gen.code).toBe(0)
  const check = await dbgen('--url', database.url, '--out', 'generated', '--check')
  expect(check.stdout).toBe('')
  expect(check.stderr).toContain('up to date')
  expect(check.code).toBe(0)
  const maria = await dbgen('--url', database.url.replace(/^mysql:/, 'mariadb:'), '--out', 'generated', '--check')
  expect(maria.code).toBe(0)
})

it('with "defaultSchema" set, output does not depend on the database name (dev and CI databases differ)', async () => {
  const named = join(cwd, 'named')
  mkdirSync(named)
  expect((await dbgenIn(named, '--url', database.url, '--out', 'generated')).code).toBe(0)
  const stale = await dbgenIn(named, '--url', twin.url, '--out', 'generated', '--check')
  expect(stale.code).toBe(1)
  expect(stale.stdout).toContain(twin.name)
  const pinned = join(cwd, 'pinned')
  mkdirSync(pinned)
  writeFileSync(join(pinned, 'dbgen.config.json'), JSON.stringify({ defaultSchema: 'app' }))
  expect((await dbgenIn(pinned, '--url', database.url, '--out', 'generated')).code).toBe(0)
  const same = await dbgenIn(pinned, '--url', twin.url, '--out', 'generated', '--check')
  expect(same.stdout).toBe('')
  expect(same.code).toBe(0)
})

it('exits 1 with a readable diff after ALTER TABLE', async () => {
  // Its own database and output directory: the ALTER must not change what the other tests reflect.
  const own = await createTestDatabase('mysql', 'check_alter')
  try {
    await withMysql((c) => c.query(DDL), own.url)
    const dir = join(cwd, 'altered')
    mkdirSync(dir)
    expect((await dbgenIn(dir, '--url', own.url, '--out', 'generated')).code).toBe(0)
    await withMysql((c) => c.query(`ALTER TABLE users ADD COLUMN nickname varchar(40) NULL COMMENT 'Shown name.'`), own.url)
    const check = await dbgenIn(dir, '--url', own.url, '--out', 'generated', '--check')
    expect(check.code).toBe(1)
    expect(check.stdout).toContain('--- generated/db.ts (files)')
    expect(check.stdout).toContain('+++ generated/db.ts (database)')
    expect(check.stdout).toMatch(/^\+ {2}nickname: NullableVarchar$/m)
    expect(check.stderr).toMatch(/generated\/ is stale \(2 files differ\)\. Run dbgen to regenerate\./)
  } finally {
    await own.drop()
  }
})

it('exits 2 on a bad URL, never printing the password', async () => {
  const secret = 'hunter2-s3cret'
  const cases = [
    { url: `mysql://root:${secret}@127.0.0.1:1/nope`, code: 'DBGEN_CONNECT' },
    { url: `mysql://root:${secret}@127.0.0.1:3306/test`, code: 'DBGEN_AUTH' },
    { url: `mysql://root@127.0.0.1:3306/dbscope_no_such_db_${Date.now()}`, code: 'DBGEN_CONNECT' },
  ]
  for (const c of cases) {
    const r = await dbgen('--url', c.url, '--out', 'generated', '--check')
    expect(r.code, c.url).toBe(2)
    expect(r.stderr, c.url).toContain(`[${c.code}]`)
    expect(r.stdout + r.stderr).not.toContain(secret)
  }
  const auth = await dbgen('--url', cases[1]!.url, '--check')
  expect(auth.stderr).toContain('mysql://root:***@127.0.0.1:3306/test')
  expect(auth.stderr).toContain('Check the user and password in the URL.')
}, 60_000)
