/**
 * A password function that throws, rejects or returns something other than a string: the connection attempt is a
 * ConnectError that names the function and its error (the `cause`); the next connection calls the function again.
 * Runs against the shared servers (trust / no password), since nothing reaches them until the function answers.
 */
import { afterEach, expect, it } from 'vitest'
import { sql } from 'kysely'
import { ConnectError, defineDb, disposeAll } from '../src/index.js'
import { failure } from './support/leaks.js'
import { MYSQL_URL, PG_URL } from './support/servers.js'

afterEach(() => disposeAll())

for (const kind of ['postgres', 'mysql'] as const) {
  const u = new URL(kind === 'postgres' ? PG_URL : MYSQL_URL)
  const connection = (password: () => string | Promise<string>) => ({
    dialect: kind,
    host: u.hostname,
    port: Number(u.port),
    user: decodeURIComponent(u.username),
    database: decodeURIComponent(u.pathname.slice(1)),
    password,
  })

  it(`[${kind}] a function that throws or rejects: ConnectError naming the cause; the next connect calls it again`, async () => {
    let calls = 0
    const sealed = new Error('vault is sealed')
    const db = defineDb({ connection: connection(async () => {
      if (++calls === 1) throw sealed
      return decodeURIComponent(u.password)
    }), guard: { budget: 'off' } })
    const err = await failure(() => sql`SELECT 1`.execute(db.kysely))
    expect(err).toBeInstanceOf(ConnectError)
    expect((err as Error).message).toMatch(/password function/)
    expect((err as Error).message).toContain('vault is sealed')
    expect((err as Error).cause).toBe(sealed)
    expect((await sql<{ one: number }>`SELECT 1 AS one`.execute(db.kysely)).rows[0]!.one).toBe(1)
    expect(calls).toBe(2)
  })

  it(`[${kind}] a synchronous throw and a non-string answer are ConnectErrors too`, async () => {
    const throwing = defineDb({ connection: connection(() => { throw new TypeError('no token yet') }) })
    const e1 = await failure(() => sql`SELECT 1`.execute(throwing.kysely))
    expect(e1).toBeInstanceOf(ConnectError)
    expect((e1 as Error).message).toContain('no token yet')
    await throwing.dispose()
    const wrongType = defineDb({ connection: connection(async () => undefined as unknown as string) })
    const e2 = await failure(() => sql`SELECT 1`.execute(wrongType.kysely))
    expect(e2).toBeInstanceOf(ConnectError)
    expect((e2 as Error).message).toMatch(/password function/)
    expect((e2 as Error).message).toMatch(/string/)
  })
}
