/**
 * Two test files in two parallel vitest workers (pool forks), each in its own db.beginTestTransaction(), insert rows
 * into the same table at the same time: neither sees the other's rows, and nothing is left afterwards.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import pg from 'pg'
import { REPO_ROOT } from './support/child.js'
import { createTestDatabase, type TestDatabase } from './support/test-db.js'

const FIXTURE = 'test/fixtures/test-transaction-workers'
let testDb: TestDatabase
let dir: string
beforeAll(async () => {
  testDb = await createTestDatabase('postgres', 'test tx workers')
  const c = new pg.Client({ connectionString: testDb.url })
  await c.connect()
  await c.query('CREATE TABLE rows (owner text NOT NULL, n int NOT NULL)')
  await c.end()
  dir = mkdtempSync(join(tmpdir(), 'dbscope-txw-'))
})
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true })
  await testDb.drop()
})

function runVitest(): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('npx', ['vitest', 'run', '--root', FIXTURE], {
      cwd: REPO_ROOT,
      env: { ...process.env, TX_WORKERS_URL: testDb.url, TX_WORKERS_DIR: dir, CI: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d))
    child.on('close', (code) => resolve({ code, out }))
  })
}

it('two files in parallel workers, each in a test transaction, never see each other\'s rows; none are left', async () => {
  const r = await runVitest()
  expect(r.code, r.out).toBe(0)
  const a = JSON.parse(readFileSync(join(dir, 'a.checked'), 'utf8')) as { pid: number; seen: unknown }
  const b = JSON.parse(readFileSync(join(dir, 'b.checked'), 'utf8')) as { pid: number; seen: unknown }
  expect(a.pid).not.toBe(b.pid) // two worker processes
  expect(a.seen).toEqual([{ owner: 'a', n: 5 }])
  expect(b.seen).toEqual([{ owner: 'b', n: 5 }])
  const c = new pg.Client({ connectionString: testDb.url })
  await c.connect()
  try {
    expect((await c.query('SELECT count(*)::int AS n FROM rows')).rows[0]).toEqual({ n: 0 })
  } finally {
    await c.end()
  }
}, 120_000)
