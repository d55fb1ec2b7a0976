/** MySQL/MariaDB have no LISTEN/NOTIFY: db.listen, db.notify and tx.notify reject with a ConfigError saying so. */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import { ConfigError, defineDb, disposeAll } from '../src/index.js'
import { createTestDatabase, type TestDatabase } from './support/test-db.js'

let testDb: TestDatabase
beforeAll(async () => {
  testDb = await createTestDatabase('mysql', 'listen mysql')
})
afterEach(() => disposeAll())
afterAll(() => testDb.drop())

it('db.listen, db.notify and tx.notify on MariaDB: "not supported on MySQL", with no connection opened for them', async () => {
  const db = defineDb({ url: testDb.url })
  for (const attempt of [() => db.listen('ch', () => undefined), () => db.notify('ch', 'x'), () => db.scope((tx) => tx.notify('ch', 'x'))]) {
    const err = await attempt().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ConfigError)
    expect((err as Error).message).toMatch(/not supported on MySQL/)
  }
  expect(db.stats()).toMatchObject({ total: 0 })
  expect(db.stats().listener).toBeUndefined()
})
