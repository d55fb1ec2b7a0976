/**
 * Over TLS, with a client key and the special-character password (in a URL and in a connection object, as a string
 * and from a function), neither the password nor any line of the key appears in an error, a log line, stats(),
 * replicaHealth(), inspect or JSON of the db, its Kysely or the registry.
 */
import { inspect } from 'node:util'
import { afterEach, expect, it } from 'vitest'
import { sql } from 'kysely'
import { defineDb, disposeAll } from '../src/index.js'
import { registry } from '../src/engine/registry.js'
import { errorSurfaces, expectAbsent, failure } from './support/leaks.js'
import { keyMaterial } from './support/tls-pki.js'
import { describeTls, SPECIAL_PASSWORD } from './support/tls-servers.js'

const WRONG_PASSWORD = `Wr0ng ${SPECIAL_PASSWORD}`
const PASSWORD_NEEDLES = [SPECIAL_PASSWORD, WRONG_PASSWORD, encodeURIComponent(SPECIAL_PASSWORD), 'w/o%2Frd#', `'single' "double"`]

describeTls('secrets over TLS', (t) => {
  afterEach(() => disposeAll())
  const needles = () => [...PASSWORD_NEEDLES, ...keyMaterial(t.pki.clientKey)]
  const object = (password: string | (() => Promise<string>)) => ({ dialect: t.kind, host: 'localhost', port: t.server.port, user: t.server.user, password, database: t.server.database })

  /** Defines a db, runs one statement, disposes it: the error of either step (or undefined). */
  const connectFailure = async (config: Parameters<typeof defineDb>[0]) => {
    let db: ReturnType<typeof defineDb>
    try {
      db = defineDb(config)
    } catch (err) {
      return err
    }
    try {
      return await failure(() => sql`SELECT 1`.execute(db.kysely))
    } finally {
      await db.dispose()
    }
  }

  it('errors: chain, host name, wrong password, different options, a damaged key', async () => {
    const withKey = { ca: t.pki.ca, cert: t.pki.clientCert, key: t.pki.clientKey }
    const first = defineDb({ url: t.server.url({ host: '127.0.0.1' }), ssl: withKey })
    const errors = [
      await connectFailure({ url: t.server.url(), ssl: { ...withKey, ca: t.pki.wrongCa } }),
      await failure(() => sql`SELECT 1`.execute(first.kysely)),
      await connectFailure({ connection: object(async () => WRONG_PASSWORD), ssl: withKey }),
      await failure(() => defineDb({ url: t.server.url({ host: '127.0.0.1' }), ssl: { ca: t.pki.ca } })), // same URL, other options
      await connectFailure({ connection: object(SPECIAL_PASSWORD), ssl: { ...withKey, key: t.pki.clientKey.replace(/\n(.{10})/, '\nXX$1') } }),
    ]
    expect(errors.map((e) => (e as { code?: string }).code)).toEqual(['CONNECT_FAILED', 'CONNECT_FAILED', 'CONNECT_FAILED', 'CONFIG', expect.any(String)])
    expect((errors[3] as Error).message).toMatch(/ssl/)
    expectAbsent('errors', errors.flatMap(errorSurfaces), needles())
  })

  it('log lines, stats(), replicaHealth(), inspect and JSON', async () => {
    const logs: string[] = []
    const db = defineDb({
      connection: object(async () => SPECIAL_PASSWORD),
      ssl: { ca: t.pki.ca, cert: t.pki.clientCert, key: t.pki.clientKey, rejectUnauthorized: false },
      replicas: [t.server.url({ host: '127.0.0.1' })],
      pool: { max: 1, leakWarnMs: 100 },
      guard: { budget: 'warn', workers: 10_000 },
      logger: { warn: (m) => void logs.push(m) },
    })
    await db.scope(async (tx) => {
      await sql`SELECT 1`.execute(tx)
      await new Promise((r) => setTimeout(r, 300))
    })
    await sql`SELECT 1`.execute(db.replica)
    expect(logs.some((l) => /rejectUnauthorized/.test(l))).toBe(true)
    expect(logs.some((l) => l.includes('pool.leakWarnMs'))).toBe(true)
    const surfaces = [
      ...logs,
      JSON.stringify(db.stats()),
      JSON.stringify(db.replicaHealth()),
      inspect(db, { depth: 10, showHidden: true }),
      JSON.stringify(db),
      String(db),
      inspect(db.kysely, { depth: 6 }),
      inspect(registry(), { depth: 6, showHidden: true }),
      JSON.stringify([...registry().values()]),
      [...registry().keys()].join('\n'),
    ]
    expect(surfaces.join('\n')).toContain(`localhost:${t.server.port}`)
    expectAbsent('logs/stats/inspect', surfaces, needles())
  })
})
