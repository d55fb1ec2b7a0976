import { expect, it } from 'vitest'
import { sql } from 'kysely'
import { describeTargets } from './support/targets.js'
import { sleepSql } from './support/server-sessions.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** A logger that keeps what it is told. */
function recorder() {
  const messages: string[] = []
  return { messages, logger: { warn: (m: string) => void messages.push(m) } }
}
const leaks = (messages: readonly string[]) => messages.filter((m) => m.includes('pool.leakWarnMs'))

describeTargets('guard: leak watch', (t) => {
  it('a scope holding its connection past leakWarnMs yields exactly one warning with the stack that took it', async () => {
    const { messages, logger } = recorder()
    const db = t.db({ pool: { leakWarnMs: 150 }, logger })
    await db.scope(async function holdsTheConnection(tx) {
      await sql`SELECT 1`.execute(tx)
      await sleep(700) // several leak-watch periods
    })
    const found = leaks(messages)
    expect(found).toHaveLength(1)
    expect(found[0]).toMatch(/checked out for \d+ ms/)
    expect(found[0]).toContain('guard-leak-warning.test.ts')
    expect(found[0]).toContain('holdsTheConnection')
    expect(found[0]).toContain('Last statement: SELECT 1')
    expect(found[0]).not.toMatch(/[\\/]src[\\/](pool|engine)\.ts/) // dbscope's own frames are left out
    await db.dispose()
  })

  it('a scope on a camelCase db (its tx has a plugin) is reported with the stack that took it too', async () => {
    const { messages, logger } = recorder()
    const db = t.db({ pool: { leakWarnMs: 150 }, logger, camelCase: true })
    await db.scope(async function holdsWithPlugins(tx) {
      await sql`SELECT 3`.execute(tx)
      await sleep(500)
    })
    const found = leaks(messages)
    expect(found).toHaveLength(1)
    expect(found[0]).toContain('guard-leak-warning.test.ts')
    expect(found[0]).toContain('holdsWithPlugins')
    await db.dispose()
  })

  it('db.kysely.transaction() held too long is reported with its stack too', async () => {
    const { messages, logger } = recorder()
    const db = t.db({ pool: { leakWarnMs: 150 }, logger })
    await db.kysely.transaction().execute(async function slowKyselyTransaction(trx) {
      await sql`SELECT 2`.execute(trx)
      await sleep(500)
    })
    const found = leaks(messages)
    expect(found).toHaveLength(1)
    expect(found[0]).toContain('guard-leak-warning.test.ts')
    await db.dispose()
  })

  it('quick scopes produce no warning, and leakWarnMs: 0 turns the watch off', async () => {
    const { messages, logger } = recorder()
    const db = t.db({ pool: { leakWarnMs: 200 }, logger })
    for (let i = 0; i < 5; i++) await db.scope(async (tx) => sql`SELECT 1`.execute(tx))
    await sleep(450)
    await db.dispose()
    const off = t.db({ pool: { leakWarnMs: 0 }, logger })
    await off.scope(async (tx) => {
      await sql`SELECT 1`.execute(tx)
      await sleep(400)
    })
    expect(leaks(messages)).toEqual([])
    await off.dispose()
  })

  // Not on PGlite: pg_sleep there blocks the only thread, timers included, so nothing could watch it.
  it.skipIf(t.name === 'pglite')('a single slow db.kysely statement is reported with its SQL (no stack is captured for single statements)', async () => {
    const { messages, logger } = recorder()
    const db = t.db({ pool: { leakWarnMs: 150 }, logger })
    await sql.raw(sleepSql(t.kind, 0.6)).execute(db.kysely)
    const found = leaks(messages)
    expect(found).toHaveLength(1)
    expect(found[0]).toContain('single db.kysely statement')
    expect(found[0]).toContain(sleepSql(t.kind, 0.6))
    await db.dispose()
  })
})
