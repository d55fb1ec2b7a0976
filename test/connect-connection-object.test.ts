/**
 * `connection: { dialect, host, port, user, password, database }` instead of a URL: the password goes to the server
 * exactly as written (no escaping, whatever characters it has), and neither the registry key nor any printed form
 * holds it. Exactly one of `url` and `connection`.
 */
import { inspect } from 'node:util'
import { afterEach, expect, it } from 'vitest'
import { sql } from 'kysely'
import { ConfigError, defineDb, disposeAll } from '../src/index.js'
import { registry } from '../src/engine/registry.js'
import { expectAbsent } from './support/leaks.js'
import { describeTls, SPECIAL_PASSWORD } from './support/tls-servers.js'

const NEEDLES = [SPECIAL_PASSWORD, encodeURIComponent(SPECIAL_PASSWORD), `w/o%2Frd#`, `'single' "double"`]

describeTls('connection objects', (t) => {
  afterEach(() => disposeAll())
  const connection = () => ({ dialect: t.kind, host: 'localhost', port: t.server.port, user: t.server.user, password: SPECIAL_PASSWORD, database: t.server.database })

  it('the special-character password, unescaped, logs in over TLS', async () => {
    expect(SPECIAL_PASSWORD).toMatch(/@/)
    for (const c of ['@', ':', '/', '%', '#', '?', '&', "'", '"', '\\', ' ']) expect(SPECIAL_PASSWORD).toContain(c)
    const db = defineDb({ connection: connection(), ssl: { ca: t.pki.ca } })
    const u = (await sql<{ u: string; d: string }>`SELECT current_user AS u, ${sql.raw(t.kind === 'postgres' ? 'current_database()' : 'database()')} AS d`.execute(db.kysely)).rows[0]!
    expect(String(u.u).replace(/@.*$/, '')).toBe(t.server.user)
    expect(u.d).toBe(t.server.database)
    expect(db.dialect).toBe(t.kind)
  })

  it('the same connection twice is the same engine; the key and every printed form are password-free', async () => {
    const a = defineDb({ connection: connection(), ssl: { ca: t.pki.ca }, pool: { max: 2 } })
    const b = defineDb({ connection: connection(), ssl: { ca: t.pki.ca }, pool: { max: 2 } })
    await sql`SELECT 1`.execute(a.kysely)
    expect(b.stats().total).toBe(1)
    const keys = [...registry().keys()]
    expect(keys.some((k) => k.includes(`localhost:${t.server.port}/${t.server.database}`))).toBe(true)
    const printed = [...keys, JSON.stringify(a), String(a), inspect(a, { depth: 10, showHidden: true }), inspect(registry(), { depth: 4 }), JSON.stringify([...registry().values()])]
    expect(printed.join('\n')).toContain(t.server.user)
    expectAbsent('key and printed forms', printed, NEEDLES)
  })

  it('a different password for the same user, host and database is a ConfigError that does not print either', async () => {
    defineDb({ connection: connection(), ssl: { ca: t.pki.ca } })
    const other = 'An0ther-S3cr3t-Pw'
    let err: unknown
    try {
      defineDb({ connection: { ...connection(), password: other }, ssl: { ca: t.pki.ca } })
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(ConfigError)
    expectAbsent('ConfigError', [String((err as Error).message), inspect(err)], [...NEEDLES, other])
  })

  it('both url and connection, or a connection without host, user or a known dialect, are ConfigErrors', () => {
    expect(() => defineDb({ url: t.server.url(), connection: connection() })).toThrow(ConfigError)
    expect(() => defineDb({ url: t.server.url(), connection: connection() })).toThrow(/url.*connection/)
    expect(() => defineDb({ connection: { ...connection(), host: '' } })).toThrow(/host/)
    expect(() => defineDb({ connection: { ...connection(), user: undefined as unknown as string } })).toThrow(/user/)
    expect(() => defineDb({ connection: { ...connection(), dialect: 'oracle' as 'postgres' } })).toThrow(/oracle/)
    expect(() => defineDb({ connection: { ...connection(), port: 'x' as unknown as number } })).toThrow(/port/)
  })
})
