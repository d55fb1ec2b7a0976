/**
 * db.beginTestTransaction() refuses, with a ConfigError that says what to do: a second one while one is open, one
 * behind pooler: 'pgbouncer'; and while one is open, db.kysely.transaction() (which would take a connection of its
 * own, outside it).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { ConfigError, defineDb, disposeAll } from '../src/index.js'
import { pgbouncerMissing } from './support/pgbouncer.js'
import { pgbouncerUrlFor } from './support/servers.js'
import { useTestDatabase } from './support/test-db.js'

const testDb = useTestDatabase('postgres', 'test tx refusals')
afterEach(() => disposeAll())

it('a second beginTestTransaction while one is open is a ConfigError; after rollback() a new one opens', async () => {
  const db = defineDb({ url: testDb.url })
  const first = await db.beginTestTransaction()
  const err = await db.beginTestTransaction().catch((e: unknown) => e)
  expect(err).toBeInstanceOf(ConfigError)
  expect((err as Error).message).toMatch(/already open.*rollback\(\)/)
  await first.rollback()
  const second = await db.beginTestTransaction()
  await second.rollback()
  expect(db.stats()).toMatchObject({ busy: 0 })
})

it('while it is open, db.kysely.transaction() is a ConfigError pointing at db.scope()', async () => {
  const db = defineDb({ url: testDb.url })
  const t = await db.beginTestTransaction()
  try {
    const err = await db.kysely
      .transaction()
      .execute(async () => undefined)
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ConfigError)
    expect((err as Error).message).toMatch(/db\.scope\(\)/)
  } finally {
    await t.rollback()
  }
  await db.kysely.transaction().execute(async () => undefined) // allowed again
})

describe.skipIf(pgbouncerMissing())('behind PgBouncer', () => {
  it("beginTestTransaction behind pooler: 'pgbouncer' is a ConfigError", async () => {
    const db = defineDb({ url: pgbouncerUrlFor(testDb.name), pooler: 'pgbouncer' })
    const err = await db.beginTestTransaction().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ConfigError)
    expect((err as Error).message).toMatch(/pgbouncer/)
    expect(db.stats()).toMatchObject({ total: 0 })
  })
})
