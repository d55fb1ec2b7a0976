/**
 * A connection whose backend is killed mid-scope (pg_terminate_backend / KILL, for real) is destroyed, never put back
 * in the pool; the scope rejects with the right error. PGlite runs in-process: there is no session to kill.
 */
import { expect, it } from 'vitest'
import { ConnectionLostError } from '../src/index.js'
import { describeTargets } from './support/targets.js'
import { eventually, idleInTransaction, killSession, sessionId, sleepStatement } from './support/sessions.js'
import { freshItemsPerTest, type ItemsDB } from './support/items.js'

type DB = ItemsDB

describeTargets(
  'a killed connection is destroyed',
  (t) => {
    freshItemsPerTest(t)

    it('kill during a running statement: ConnectionLostError, connection destroyed, pool usable', async () => {
      const db = t.db<DB>({ pool: { max: 1 } })
      let victim = 0
      const scope = db.scope(async (tx) => {
        victim = await sessionId(t, tx)
        await tx.insertInto('items').values({ id: 1, label: 'lost' }).execute()
        await sleepStatement(t, 5).execute(tx)
      }).catch((e: unknown) => e)
      await eventually(async () => victim !== 0)
      await new Promise((r) => setTimeout(r, 150))
      await killSession(t, victim)
      const err = await scope
      expect(err).toBeInstanceOf(ConnectionLostError)
      expect((err as ConnectionLostError).code).toBe('CONNECTION_LOST')
      expect((err as ConnectionLostError).retryable).toBe(true)
      expect((err as Error).cause).toBeInstanceOf(Error)
      expect(db.stats()).toMatchObject({ busy: 0, total: 0 })
      const next = await db.scope(async (tx) => sessionId(t, tx))
      expect(next).not.toBe(victim)
      expect(await db.kysely.selectFrom('items').selectAll().execute()).toEqual([])
    })

    it('kill between statements, then a throw: ROLLBACK fails, the original error is rethrown, connection destroyed', async () => {
      const db = t.db<DB>({ pool: { max: 1 } })
      const original = new Error('the callback failed')
      let victim = 0
      const err = await db
        .scope(async (tx) => {
          victim = await sessionId(t, tx)
          await tx.insertInto('items').values({ id: 2, label: 'lost' }).execute()
          await killSession(t, victim)
          await new Promise((r) => setTimeout(r, 100))
          throw original
        })
        .catch((e: unknown) => e)
      expect(err).toBe(original)
      expect(db.stats()).toMatchObject({ busy: 0, total: 0 })
      expect(await db.scope(async (tx) => sessionId(t, tx))).not.toBe(victim)
      expect(await idleInTransaction(t)).toBe(0)
    })

    it('kill between statements, then success: COMMIT fails, the scope rejects, nothing was committed', async () => {
      const db = t.db<DB>({ pool: { max: 1 } })
      const hooks: string[] = []
      const err = await db
        .scope(async (tx) => {
          const victim = await sessionId(t, tx)
          await tx.insertInto('items').values({ id: 3, label: 'lost' }).execute()
          tx.afterCommit(() => hooks.push('commit'))
          tx.afterRollback(() => hooks.push('rollback'))
          await killSession(t, victim)
          await new Promise((r) => setTimeout(r, 100))
          return 'thought it worked'
        })
        .catch((e: unknown) => e)
      expect(err).toBeInstanceOf(ConnectionLostError)
      expect(hooks).toEqual(['rollback'])
      expect(db.stats()).toMatchObject({ busy: 0, total: 0 })
      expect(await db.kysely.selectFrom('items').selectAll().execute()).toEqual([])
    })
  },
  ['postgres', 'mysql'],
)
