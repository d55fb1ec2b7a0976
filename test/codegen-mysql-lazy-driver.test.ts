/**
 * dbgen loads mysql2 only for mysql:// and mariadb:// URLs: a PostgreSQL run never imports it, and a MariaDB run
 * does (so the check can fail). Both run the CLI from source as a whole process, tracing every resolved module.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { useTestDatabase } from './support/test-db.js'

const pgDb = useTestDatabase('postgres', 'lazy')
const myDb = useTestDatabase('mysql', 'lazy')
const dir = mkdtempSync(join(tmpdir(), 'dbgen-lazy-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Runs `dbgen --print --url <url>` and returns the module URLs it resolved. */
function loadedModules(url: string, name: string): string[] {
  const trace = join(dir, `${name}.txt`)
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--import', './test/support/trace-imports.mjs', 'codegen/cli.ts', '--url', url, '--print'],
    { encoding: 'utf8', env: { ...process.env, TRACE_IMPORTS_FILE: trace, NO_COLOR: '1' } },
  )
  expect(r.status, r.stderr).toBe(0)
  return readFileSync(trace, 'utf8').split('\n')
}

it('a PostgreSQL run never loads mysql2, a MariaDB run does', () => {
  const pg = loadedModules(pgDb.url, 'pg')
  expect(pg.some((u) => /\/node_modules\/pg\//.test(u))).toBe(true)
  expect(pg.filter((u) => /\/node_modules\/mysql2\//.test(u))).toEqual([])
  const my = loadedModules(myDb.url, 'mysql')
  expect(my.some((u) => /\/node_modules\/mysql2\//.test(u))).toBe(true)
  expect(my.filter((u) => /\/node_modules\/pg\//.test(u))).toEqual([])
}, 120_000)
