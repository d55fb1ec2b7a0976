/**
 * On MySQL/MariaDB a scope's settings are user variables, which outlive the transaction: the scope sets them back
 * itself (to NULL) before its connection goes back to the pool. Those statements are dbscope's own, so they must not
 * also mark the connection for the pool's reset (COM_RESET_CONNECTION and the connect-time settings again: several
 * round trips more per scope). Observed by counting the commands mysql2's connections queue, without changing them.
 */
import mysql from 'mysql2'
import { sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { defineDb } from '../src/index.js'
import { useTestDatabase } from './support/test-db.js'

const testDb = useTestDatabase('mysql', 'settings_no_reset')

type AddCommand = (this: unknown, command: { constructor: { name: string } }) => unknown
let owner = (mysql as unknown as { Connection: { prototype: object } }).Connection.prototype as Record<string, unknown>
while (!Object.prototype.hasOwnProperty.call(owner, 'addCommand')) owner = Object.getPrototypeOf(owner) as Record<string, unknown>
let commands: string[] = []
let original: AddCommand | undefined

beforeEach(() => {
  original = owner.addCommand as AddCommand
  const add = original
  owner.addCommand = function (this: unknown, command: { constructor: { name: string } }) {
    commands.push(command.constructor.name)
    return add.call(this, command)
  }
})
afterEach(() => {
  if (original) owner.addCommand = original
})

const tenantOf = (tx: Parameters<Parameters<ReturnType<typeof defineDb>['scope']>[0]>[0]) =>
  sql<{ v: string | null }>`SELECT @\`app.tenant_id\` AS v`.execute(tx).then((r) => r.rows[0]!.v)

describe('MySQL scope settings and the pool reset', () => {
  it('a scope with settings sets them back itself: no COM_RESET_CONNECTION, and the next scope on the connection sees NULL', async () => {
    const db = defineDb({ url: testDb.url, pool: { max: 1 } })
    try {
      await db.scope((tx) => sql`SELECT 1`.execute(tx)) // the connection is open before counting
      commands = []
      expect(await db.scope(tenantOf, { settings: { 'app.tenant_id': '7' } })).toBe('7')
      const within = commands.length
      // pool.max 1: this scope gets the same connection, after any reset the pool started on it.
      expect(await db.scope(tenantOf)).toBeNull()
      expect(commands).not.toContain('ResetConnection')
      // The settings scope: BEGIN with its settings and first statement (one command), COMMIT with the reset (one).
      expect(within).toBe(2)
    } finally {
      await db.dispose()
    }
  })

  it("a nested scope's own settings are set back when it ends, without the pool's reset either", async () => {
    const db = defineDb({ url: testDb.url, pool: { max: 1 } })
    try {
      await db.scope((tx) => sql`SELECT 1`.execute(tx))
      commands = []
      const seen = await db.scope(
        async (tx) => {
          const inner = await db.scope(tenantOf, { settings: { 'app.tenant_id': 'inner' } })
          return [inner, await tenantOf(tx)]
        },
        { settings: { 'app.tenant_id': 'outer' } },
      )
      expect(seen).toEqual(['inner', 'outer'])
      expect(await db.scope(tenantOf)).toBeNull()
      expect(commands).not.toContain('ResetConnection')
    } finally {
      await db.dispose()
    }
  })
})
