/** MySQL/MariaDB have no LISTEN/NOTIFY: db.listen, db.notify and tx.notify reject with a ConfigError saying so. */
import { afterEach, expect, it } from 'vitest'
import { ConfigError, defineDb, disposeAll } from '../src/index.js'
import { useTestDatabase } from './support/test-db.js'

const testDb = useTestDatabase('mysql', 'listen mysql')
afterEach(() => disposeAll())

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
