/**
 * Cancelling a statement (a scope's timeoutMs) still works when the server requires TLS: the cancel travels on a
 * connection of its own (PostgreSQL CancelRequest, MariaDB KILL QUERY), which must get the same TLS settings.
 */
import { afterEach, expect, it } from 'vitest'
import { sql } from 'kysely'
import { defineDb, disposeAll, ScopeTimeoutError } from '../src/index.js'
import { eventually, sleepSql } from './support/server-sessions.js'
import { failure } from './support/leaks.js'
import { describeTls } from './support/tls-servers.js'

describeTls('statement cancel over TLS', (t) => {
  afterEach(() => disposeAll())

  it('a scope that runs past timeoutMs has its statement cancelled on the server', async () => {
    const db = defineDb({ url: t.server.url(), ssl: { ca: t.pki.ca } })
    const err = await failure(() => db.scope((tx) => sql.raw(sleepSql(t.kind, 30)).execute(tx), { timeoutMs: 500 }))
    expect(err).toBeInstanceOf(ScopeTimeoutError)
    const sleeping = async () => {
      const text =
        t.kind === 'postgres'
          ? `SELECT count(*) AS n FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'SELECT pg_sleep(30)%'`
          : `SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT SLEEP(30)%'`
      return Number((await t.server.admin<{ n: number | string }>(text))[0]!.n)
    }
    expect(await eventually(sleeping, 0, 5_000)).toBe(0)
  })
})
