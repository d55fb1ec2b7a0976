import { inspect } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sql } from 'kysely'
import { defineDb, disposeAll, type Db } from '../src/index.js'
import { registry } from '../src/engine/registry.js'
import { createTestDatabase, withPg, type TestDatabase } from './support/test-db.js'
import { startThrowawayPostgres, type ThrowawayServer } from './support/throwaway-server.js'
import { freePort } from './support/throwaway-server.js'

// A distinctive password with characters that URL-encoding changes, so both spellings are checked.
const PASSWORD = 'Sup3r:S3cr3t@dbscope!'
const ENCODED = encodeURIComponent(PASSWORD)
const NEEDLES = [PASSWORD, ENCODED, 'S3cr3t']

function withPassword(url: string, user: string, password = PASSWORD): string {
  const u = new URL(url)
  u.username = user
  u.password = encodeURIComponent(password)
  return u.toString()
}

/** Everything a person could see of an error: message, stack, inspect (with causes), JSON. */
function errorSurfaces(err: unknown): string[] {
  return [String((err as Error)?.message), String((err as Error)?.stack), inspect(err, { depth: 10, showHidden: true }), JSON.stringify(err) ?? '']
}

function expectNoSecret(label: string, texts: readonly string[]): void {
  expect(texts.length).toBeGreaterThan(0)
  for (const text of texts) for (const needle of NEEDLES) expect(text.includes(needle), `${label} leaks the password:\n${text}`).toBe(false)
}

const failure = (p: () => Promise<unknown> | unknown) => Promise.resolve().then(p).then(() => undefined, (e: unknown) => e)

describe('secrets never appear in errors, logs, stats() or inspect [postgres]', () => {
  let testDb: TestDatabase
  const role = `dbscope_secret_${process.pid}`
  let url: string
  const logs: string[] = []
  let db: Db<any>
  beforeAll(async () => {
    testDb = await createTestDatabase('postgres', 'secrets')
    // The shared server trusts 127.0.0.1, so any password is accepted: what matters is that it is in the URL.
    await withPg((c) => c.query(`CREATE ROLE ${role} LOGIN PASSWORD '${PASSWORD.replace(/'/g, "''")}'`))
    url = withPassword(testDb.url, role)
    db = defineDb({ url, pool: { max: 1, acquireTimeoutMs: 200, leakWarnMs: 100 }, guard: { budget: 'warn', workers: 10_000 }, logger: { warn: (m) => void logs.push(m) } })
  })
  afterAll(async () => {
    await disposeAll()
    await testDb.drop()
    await withPg((c) => c.query(`DROP ROLE IF EXISTS ${role}`))
  })

  it('the password really is in the URL the db was given, and the db works with it', async () => {
    expect(url).toContain(ENCODED)
    expect((await sql<{ u: string }>`SELECT current_user AS u`.execute(db.kysely)).rows[0]!.u).toBe(role)
  })

  it('query, timeout, connect and configuration errors', async () => {
    const errors = [
      await failure(() => sql`SELECT 1/0`.execute(db.kysely)),
      await failure(() => sql`SELEC broken`.execute(db.kysely)),
      await failure(() => db.scope(async (tx) => {
        await sql`SELECT 1`.execute(tx)
        await sql`SELECT 1`.execute(db.kysely) // pool max 1 is held by this scope: PoolTimeoutError
      })),
      await failure(() => sql`SELECT 1`.execute(defineDb({ url: withPassword(testDb.url.replace(/\/[^/]+$/, '/no_such_db'), role) }).kysely)),
      await failure(async () => sql`SELECT 1`.execute(defineDb({ url: `postgres://${role}:${ENCODED}@127.0.0.1:${await freePort()}/x` }).kysely)),
      await failure(() => defineDb({ url, pool: { max: 7 } })),
      await failure(() => defineDb({ url: withPassword(testDb.url, role, 'An0ther-S3cr3t') })),
      await failure(() => defineDb({ url: url.replace('postgres:', 'postgrez:') })),
      await failure(() => defineDb({ url: `postgres://${role}:${ENCODED}@[bad-host/x` })),
    ]
    expect(errors.map((e) => (e as { code?: string }).code)).toEqual([
      'QUERY_FAILED', 'QUERY_FAILED', 'POOL_TIMEOUT', 'CONNECT_FAILED', 'CONNECT_FAILED', 'CONFIG', 'CONFIG', 'CONFIG', 'CONFIG',
    ])
    // The same user@host/db with another password is not silently given the first one's pool.
    expect((errors[6] as Error).message).toContain('the password differs')
    expect((errors[3] as Error).message).toMatch(/no_such_db/)
    expect((errors[3] as Error).message).toContain(`postgres://${role}:***@127.0.0.1`)
    expectNoSecret('errors', errors.flatMap(errorSurfaces))
  })

  it('log lines (leak and budget warnings), stats(), inspect and JSON of the db, its Kysely and the registry', async () => {
    await db.scope(async (tx) => {
      await sql`SELECT 1`.execute(tx)
      await new Promise((r) => setTimeout(r, 300))
    })
    expect(logs.some((l) => l.includes('pool.leakWarnMs'))).toBe(true)
    expect(logs.some((l) => l.includes('worker(s)'))).toBe(true)
    const surfaces = [
      ...logs,
      JSON.stringify(db.stats()),
      inspect(db, { depth: 10, showHidden: true }),
      JSON.stringify(db),
      String(db),
      inspect(db.kysely, { depth: 6 }),
      inspect(registry(), { depth: 4 }),
      JSON.stringify([...registry().values()]), // a logger serializing the engines
    ]
    expect(surfaces.join('\n')).toContain(`postgres://${role}:***@127.0.0.1`)
    expectNoSecret('logs/stats/inspect', surfaces)
  })
})

describe('secrets never appear in errors [mysql]', () => {
  afterAll(() => disposeAll())
  it('a wrong password (access denied) and the db handle', async () => {
    // root has no password on the shared MariaDB: any password is wrong, and the error must not echo it.
    const url = withPassword('mysql://root@127.0.0.1:3306/test', 'root')
    const db = defineDb({ url })
    const err = await failure(() => sql`SELECT 1`.execute(db.kysely))
    expect((err as { code?: string }).code).toBe('CONNECT_FAILED')
    expect((err as Error).message).toMatch(/Access denied/)
    expectNoSecret('mysql', [...errorSurfaces(err), inspect(db, { depth: 10 }), JSON.stringify(db)])
  })
})

describe('a wrong password against a server that checks it [postgres, scram-sha-256]', () => {
  let server: ThrowawayServer
  beforeAll(async () => {
    server = await startThrowawayPostgres({ password: PASSWORD })
  }, 120_000)
  afterAll(async () => {
    await disposeAll()
    await server?.stop()
  })

  it('the right password connects; a wrong one is a ConnectError that names neither password', async () => {
    const good = defineDb({ url: server.url })
    expect((await sql<{ one: number }>`SELECT 1 AS one`.execute(good.kysely)).rows[0]!.one).toBe(1)
    const wrongPassword = 'Wr0ng-S3cr3t-Pw'
    const bad = defineDb({ url: withPassword(server.url.replace('127.0.0.1', 'localhost'), 'postgres', wrongPassword) }) // another host: another engine
    const err = await failure(() => sql`SELECT 1`.execute(bad.kysely))
    expect((err as { code?: string }).code).toBe('CONNECT_FAILED')
    expect((err as Error).message).toMatch(/password authentication failed/)
    expect((err as Error).message).toMatch(/refused the login: check the user and password in the URL\.$/)
    const texts = [...errorSurfaces(err), inspect(bad, { depth: 10 })]
    expectNoSecret('wrong password', texts)
    for (const t of texts) expect(t.includes(wrongPassword), t).toBe(false)
  })
})
