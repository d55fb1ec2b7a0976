/**
 * Rotating credentials: `password` may be a function (returning a string or a promise of one) that is called for
 * every new physical connection and never cached. After the role's password changes on the server, connections
 * already in the pool keep working, and new ones log in with what the function returns now.
 */
import { afterEach, expect, it } from 'vitest'
import { sql } from 'kysely'
import { ConnectError, defineDb, disposeAll, type Db } from '../src/index.js'
import { failure } from './support/leaks.js'
import { describeTls, SPECIAL_PASSWORD } from './support/tls-servers.js'

describeTls('password as a function', (t) => {
  afterEach(async () => {
    await disposeAll()
    await t.server.setPassword(SPECIAL_PASSWORD)
  })
  const idSql = () => sql.raw<{ id: number | string }>(t.kind === 'postgres' ? 'SELECT pg_backend_pid() AS id' : 'SELECT CONNECTION_ID() AS id')
  /**
   * Opens `n` transactions at once, each with a query, and returns their server session ids; every transaction is
   * finished (and its connection back in the pool) even when one of them could not connect.
   */
  const holdAtOnce = async (db: Db<any>, n: number): Promise<number[]> => {
    const txs = await Promise.all(Array.from({ length: n }, () => db.begin()))
    const ids = await Promise.allSettled(txs.map(async (tx) => Number((await idSql().execute(tx)).rows[0]!.id)))
    await Promise.allSettled(txs.map((tx) => tx.commit()))
    const failed = ids.find((r) => r.status === 'rejected')
    if (failed) throw failed.reason
    return ids.map((r) => (r as PromiseFulfilledResult<number>).value).sort()
  }

  it('rotation: pooled connections keep working, new ones use the new password', async () => {
    let current = SPECIAL_PASSWORD
    let calls = 0
    const db = defineDb({
      connection: { dialect: t.kind, host: 'localhost', port: t.server.port, user: t.server.user, database: t.server.database, password: async () => (calls++, current) },
      ssl: { ca: t.pki.ca },
      pool: { max: 4 },
      guard: { budget: 'off' },
    })
    const first = await holdAtOnce(db, 2)
    expect(calls).toBe(2)

    const rotated = `r0tated ${SPECIAL_PASSWORD}`
    await t.server.setPassword(rotated)
    current = rotated
    expect(await holdAtOnce(db, 2)).toEqual(first) // the pool's two connections, reused: no new login
    expect(calls).toBe(2)

    const three = await holdAtOnce(db, 3) // a third connection: a new login, with the new password
    expect(calls).toBe(3)
    expect(three.filter((id) => !first.includes(id))).toHaveLength(1)
    expect(await t.server.sessions()).toBe(3)

    current = SPECIAL_PASSWORD // the old one, to show the function's answer is not cached
    const err = await failure(() => holdAtOnce(db, 4))
    expect(calls).toBe(4)
    expect(err).toBeInstanceOf(ConnectError)
    expect(await holdAtOnce(db, 3)).toEqual(three) // the pooled ones still work
  })

  it('a plain (synchronous) function is called once per new connection too', async () => {
    let calls = 0
    const db = defineDb({
      connection: { dialect: t.kind, host: 'localhost', port: t.server.port, user: t.server.user, database: t.server.database, password: () => (calls++, SPECIAL_PASSWORD) },
      ssl: { ca: t.pki.ca },
      pool: { max: 3 },
      guard: { budget: 'off' },
    })
    await holdAtOnce(db, 3)
    await holdAtOnce(db, 3)
    expect(calls).toBe(3)
  })
})
