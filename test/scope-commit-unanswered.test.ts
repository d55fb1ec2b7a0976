/**
 * COMMIT, ROLLBACK and RELEASE at a scope's end wait at most pool.endTimeoutMs (issue 16, item 4). A COMMIT with no
 * answer rejects with a non-retryable ConnectionLostError (whether it committed is unknown), neither kind of hook
 * runs, and the connection is destroyed and released. A ROLLBACK with no answer destroys the connection and the
 * scope's own error stands.
 *
 * The fault: test/support/tcp-proxy.ts makes the connection go silent as COMMIT or ROLLBACK is sent (a network
 * partition: no answer, no close). It cannot be caused for real on a loopback server, so the proxy injects it.
 */
import { describe, expect, it } from 'vitest'
import { sql } from 'kysely'
import { ConnectionLostError, defineDb } from '../src/index.js'
import { useProxiedDatabase } from './support/proxied-db.js'

for (const kind of ['postgres', 'mysql'] as const) {
  describe(`a scope's end on a silent connection [${kind}]`, () => {
    const target = useProxiedDatabase(kind, 'end unanswered')

    it('an unanswered COMMIT: non-retryable ConnectionLostError, no hooks, the connection released', async () => {
      const db = defineDb({ url: target.url, pool: { max: 1, endTimeoutMs: 500 }, guard: { budget: 'off' } })
      const hooks: string[] = []
      target.proxy.silenceWhen('COMMIT') // the fault
      try {
        const err = await db
          .scope(async (tx) => {
            tx.afterCommit(() => void hooks.push('commit'))
            tx.afterRollback(() => void hooks.push('rollback'))
            await sql`SELECT 1`.execute(tx)
          })
          .catch((e: unknown) => e)
        expect(err).toBeInstanceOf(ConnectionLostError)
        expect((err as ConnectionLostError).retryable).toBe(false)
        expect((err as Error).message).toMatch(/COMMIT got no answer within pool\.endTimeoutMs \(500 ms\).*whether the transaction committed is unknown/)
        expect(hooks).toEqual([])
        expect(db.stats()).toMatchObject({ busy: 0, total: 0 })
      } finally {
        target.proxy.silenceWhen(undefined)
      }
      expect((await sql<{ n: number }>`SELECT 2 AS n`.execute(db.kysely)).rows.map((r) => Number(r.n))).toEqual([2])
      await db.dispose()
    })

    it('an unanswered ROLLBACK: the scope rejects with its own error, afterRollback runs, the connection released', async () => {
      const db = defineDb({ url: target.url, pool: { max: 1, endTimeoutMs: 500 }, guard: { budget: 'off' } })
      const hooks: string[] = []
      target.proxy.silenceWhen('ROLLBACK') // the fault
      try {
        const err = await db
          .scope(async (tx) => {
            tx.afterRollback(() => void hooks.push('rollback'))
            await sql`SELECT 1`.execute(tx)
            throw new Error('the work failed')
          })
          .catch((e: unknown) => e)
        expect((err as Error).message).toBe('the work failed')
        expect(hooks).toEqual(['rollback'])
        expect(db.stats()).toMatchObject({ busy: 0, total: 0 })
      } finally {
        target.proxy.silenceWhen(undefined)
      }
      await db.dispose()
    })
  })
}
