import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createTestDatabase, withPg, type TestDatabase } from './support/test-db.js'
import { eventually } from './support/server-sessions.js'
import { pgConnectionCount } from './support/throwaway-server.js'
import { runFixture } from './support/child.js'

// The hook is dialect-neutral (it disposes engines); PostgreSQL stands in for both servers here.
describe('graceful shutdown on SIGTERM [postgres]', () => {
  let testDb: TestDatabase
  beforeAll(async () => {
    testDb = await createTestDatabase('postgres', 'shutdown')
  })
  afterAll(() => testDb.drop())
  beforeEach(() => withPg((c) => c.query('DROP TABLE IF EXISTS drained; CREATE TABLE drained (id int)'), testDb.url))

  const rows = () => withPg(async (c) => Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM drained')).rows[0]!.n), testDb.url)

  const runWithSigterm = (mode: 'drain' | 'none') =>
    runFixture('test/fixtures/drain-on-sigterm.ts', [testDb.url, mode], {
      onStdout: (chunk, child) => {
        if (chunk.includes('READY')) child.kill('SIGTERM')
      },
    })

  it('drains: the scope in flight commits, the pool closes, then the process ends by SIGTERM', async () => {
    const r = await runWithSigterm('drain')
    expect(r.stdout).toContain('{"listeners":1}') // defineDb({ shutdown }) and a second drainOnSignals(): one listener
    expect(r.stdout).toContain('READY')
    expect(r.signal, r.stderr).toBe('SIGTERM')
    expect(await rows()).toBe(1)
    expect(await eventually(() => pgConnectionCount(testDb.url, 'dbscope-drain-test'), 0)).toBe(0)
  }, 60_000)

  it('control: without the hook, SIGTERM ends the process mid-transaction and nothing is committed', async () => {
    const r = await runWithSigterm('none')
    expect(r.signal).toBe('SIGTERM')
    expect(await rows()).toBe(0)
  }, 60_000)
})
