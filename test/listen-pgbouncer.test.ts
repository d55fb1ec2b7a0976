/**
 * Behind pooler: 'pgbouncer', LISTEN cannot go through transaction pooling: db.listen without listenUrl is a
 * ConfigError that says so; with listenUrl (PostgreSQL itself) it listens there, and notifications sent through
 * PgBouncer arrive.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { ConfigError, defineDb, disposeAll } from '../src/index.js'
import { pgbouncerMissing } from './support/pgbouncer.js'
import { Inbox } from './support/listen-inbox.js'
import { pgbouncerUrlFor } from './support/servers.js'
import { useTestDatabase } from './support/test-db.js'

describe.skipIf(pgbouncerMissing())('db.listen behind PgBouncer', () => {
  const testDb = useTestDatabase('postgres', 'listen pgbouncer')
  afterEach(() => disposeAll())

  it('without listenUrl: a ConfigError naming listenUrl, and no connection is opened', async () => {
    const db = defineDb({ url: pgbouncerUrlFor(testDb.name), pooler: 'pgbouncer' })
    const err = await db.listen('ch', () => undefined).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ConfigError)
    expect((err as Error).message).toMatch(/pooler: 'pgbouncer'.*listenUrl/s)
    expect(db.stats().listener).toBeUndefined()
  })

  it('with listenUrl: listens on PostgreSQL directly; notifications sent through PgBouncer arrive', async () => {
    const db = defineDb({ url: pgbouncerUrlFor(testDb.name), pooler: 'pgbouncer', listenUrl: testDb.url })
    const inbox = new Inbox()
    await db.listen('ch', inbox.handler)
    await db.scope((tx) => tx.notify('ch', 'through pgbouncer'))
    await db.notify('ch', 'autocommit')
    await inbox.waitFor('autocommit')
    expect(inbox.received).toEqual(['through pgbouncer', 'autocommit'])
  })
})

it('listenUrl on a db that is not PostgreSQL, or not a postgres:// URL, is a ConfigError', () => {
  expect(() => defineDb({ url: 'mysql://root@127.0.0.1:3306/test', listenUrl: 'postgres://x@127.0.0.1/y' })).toThrow(ConfigError)
  expect(() => defineDb({ url: 'postgres://x@127.0.0.1/y', listenUrl: 'http://x' })).toThrow(/listenUrl/)
})
