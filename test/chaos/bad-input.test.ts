/**
 * Bad input: wrong URLs, wrong passwords, unreachable hosts, an unknown schema or database, a read-only user and an
 * empty database each give a clear error and exit code, from `dbgen` (a real child process, so a hang would show)
 * and from `defineDb`; none prints a secret.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sql } from 'kysely'
import { ConfigError, ConnectError, DbscopeError, QueryError, defineDb, disposeAll } from '../../src/index.js'
import { runFixture } from '../support/child.js'
import { freePort, startThrowawayPostgres, type ThrowawayServer } from '../support/throwaway-server.js'
import { withPg } from '../support/test-db.js'
import { MYSQL_URL } from '../support/servers.js'

const PASSWORD = 'Sup3r-s3cret-pw'
const WRONG = 'Wr0ng-guess-pw'
const RO_PASSWORD = 'r3ad-only-pw'

/** Runs the real CLI; 30 s is far above dbgen's 10 s connect timeout, so a timeout here means it hung. */
const dbgen = (...args: string[]) => runFixture('codegen/cli.ts', ['--print', ...args], { timeoutMs: 30_000, env: { DATABASE_URL: '' } })

function withUrl(base: string, change: (u: URL) => void): string {
  const u = new URL(base)
  change(u)
  return u.toString()
}

const rejection = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e)

describe('bad input gives a clear error and exit code, and never a secret', () => {
  let server: ThrowawayServer
  let emptyUrl: string
  let roUrl: string
  beforeAll(async () => {
    server = await startThrowawayPostgres({ password: PASSWORD })
    await withPg(async (c) => {
      await c.query('CREATE DATABASE empty_db')
      await c.query('CREATE DATABASE app_db')
      await c.query(`CREATE ROLE ro LOGIN PASSWORD '${RO_PASSWORD}'`)
      await c.query('ALTER ROLE ro SET default_transaction_read_only = on')
    }, server.url)
    await withPg(async (c) => {
      await c.query('CREATE TABLE items (id int PRIMARY KEY, label text)')
      await c.query('GRANT SELECT, INSERT ON items TO ro')
    }, withUrl(server.url, (u) => (u.pathname = '/app_db')))
    emptyUrl = withUrl(server.url, (u) => (u.pathname = '/empty_db'))
    roUrl = withUrl(server.url, (u) => {
      u.username = 'ro'
      u.password = RO_PASSWORD
      u.pathname = '/app_db'
    })
  }, 120_000)
  afterAll(async () => {
    await disposeAll()
    await server?.stop()
  })

  const noSecrets = (text: string) => {
    for (const s of [PASSWORD, WRONG, RO_PASSWORD]) expect(text).not.toContain(s)
  }

  it('a malformed URL and an unknown scheme: dbgen exits 2 with DBGEN_USAGE; defineDb throws ConfigError at once', async () => {
    for (const url of [`foo://postgres:${PASSWORD}@127.0.0.1/x`, `postgres//postgres:${PASSWORD}@nohost`]) {
      const r = await dbgen('--url', url)
      expect(r.code).toBe(2)
      expect(r.stderr).toMatch(/\[DBGEN_(USAGE|CONNECT)\]/)
      noSecrets(r.stdout + r.stderr)
      let err: unknown
      try {
        defineDb({ url })
      } catch (e) {
        err = e
      }
      expect(err).toBeInstanceOf(ConfigError)
      noSecrets(String((err as Error).message))
    }
  })

  it('a wrong password: dbgen exits 2 with DBGEN_AUTH; a scope rejects with ConnectError; neither password is printed', async () => {
    const url = withUrl(server.url, (u) => (u.password = WRONG))
    const r = await dbgen('--url', url)
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('[DBGEN_AUTH]')
    expect(r.stderr).toMatch(/Check the user and password/)
    noSecrets(r.stdout + r.stderr)
    const err = await rejection(defineDb({ url }).scope((tx) => sql`SELECT 1`.execute(tx)))
    expect(err).toBeInstanceOf(ConnectError)
    expect((err as ConnectError).code).toBe('CONNECT_FAILED')
    expect((err as Error).message).toMatch(/password authentication failed/)
    noSecrets(`${(err as Error).message} ${JSON.stringify(err)}`)
  })

  it('an unreachable host (nothing listening; a non-routable address): a prompt error, no hang', async () => {
    const refused = `postgres://postgres:${PASSWORD}@127.0.0.1:${await freePort()}/x`
    const blackhole = `postgres://postgres:${PASSWORD}@192.0.2.1:5432/x`
    for (const url of [refused, blackhole]) {
      const started = Date.now()
      const r = await dbgen('--url', url)
      expect(r.code).toBe(2)
      expect(r.stderr).toContain('[DBGEN_CONNECT]')
      noSecrets(r.stdout + r.stderr)
      expect(Date.now() - started).toBeLessThan(25_000)
      const err = await rejection(defineDb({ url, pool: { connectTimeoutMs: 1_500 } }).scope((tx) => sql`SELECT 1`.execute(tx)))
      expect(err).toBeInstanceOf(ConnectError)
      expect((err as ConnectError).retryable).toBe(true)
      noSecrets((err as Error).message)
    }
    const my = withUrl(MYSQL_URL, (u) => (u.port = '1'))
    const r = await dbgen('--url', my)
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('[DBGEN_CONNECT]')
  }, 90_000)

  it('an unknown schema: dbgen exits 2 with DBGEN_UNKNOWN_SCHEMA; an unknown database: DBGEN_CONNECT and ConnectError', async () => {
    const r = await dbgen('--url', withUrl(server.url, (u) => (u.pathname = '/app_db')), '--schema', 'no_such_schema')
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('[DBGEN_UNKNOWN_SCHEMA]')
    noSecrets(r.stdout + r.stderr)
    const missingDb = withUrl(server.url, (u) => (u.pathname = '/no_such_db'))
    const r2 = await dbgen('--url', missingDb)
    expect(r2.code).toBe(2)
    expect(r2.stderr).toMatch(/Database does not exist.*\[DBGEN_CONNECT\]/)
    noSecrets(r2.stdout + r2.stderr)
    const err = await rejection(defineDb({ url: missingDb }).scope((tx) => sql`SELECT 1`.execute(tx)))
    expect(err).toBeInstanceOf(ConnectError)
    expect((err as Error).message).toMatch(/does not exist/)
  })

  it('a read-only user: dbgen reflects fine (exit 0); a write in a scope is a typed QueryError (25006) and the pool is clean', async () => {
    const r = await dbgen('--url', roUrl)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('items')
    noSecrets(r.stdout + r.stderr)
    const db = defineDb({ url: roUrl })
    expect((await db.scope((tx) => sql<{ n: string }>`SELECT count(*) AS n FROM items`.execute(tx))).rows[0]!.n).toBe('0')
    const err = await rejection(db.scope((tx) => sql`INSERT INTO items VALUES (1, 'x')`.execute(tx)))
    expect(err).toBeInstanceOf(QueryError)
    expect((err as QueryError).sqlState).toBe('25006')
    expect(err).toBeInstanceOf(DbscopeError)
    noSecrets((err as Error).message)
    expect(db.stats()).toMatchObject({ busy: 0 })
  })

  it('an empty database: dbgen exits 0 with an empty DB interface; a query on a missing table is a typed QueryError (42P01)', async () => {
    const r = await dbgen('--url', emptyUrl)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/export interface DB \{\s*\}/)
    expect(r.stderr).toMatch(/0 (relations|tables)/)
    const err = await rejection(defineDb({ url: emptyUrl }).scope((tx) => sql`SELECT * FROM items`.execute(tx)))
    expect(err).toBeInstanceOf(QueryError)
    expect((err as QueryError).sqlState).toBe('42P01')
  })
})
