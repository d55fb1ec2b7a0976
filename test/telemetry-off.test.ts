/** `telemetry: false`: with an SDK registered, the db reports no span and no metric. */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { defineDb } from '../src/index.js'
import { points, useOtelSdk } from './support/otel.js'
import { createTestDatabase, type TestDatabase } from './support/test-db.js'

const otel = useOtelSdk()
let pgDb: TestDatabase
beforeAll(async () => void (pgDb = await createTestDatabase('postgres', 'telemetry-off')))
afterAll(() => pgDb.drop())

it('reports nothing with telemetry: false, and spans with the default', async () => {
  const off = defineDb({ url: pgDb.url, telemetry: false })
  await off.scope((tx) => tx.selectNoFrom((eb) => eb.val(1).as('one')).execute())
  await off.kysely.selectNoFrom((eb) => eb.val(1).as('one')).execute()
  expect(otel.spans()).toEqual([])
  expect(points(await otel.collect(), 'db.client.operation.duration')).toEqual([])
  await off.dispose()

  const on = defineDb({ url: pgDb.url })
  await on.kysely.selectNoFrom((eb) => eb.val(1).as('one')).execute()
  expect(otel.spans().map((s) => s.name)).toEqual(['SELECT'])
  await on.dispose()
})
