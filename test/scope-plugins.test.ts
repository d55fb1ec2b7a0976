/** Kysely plugins on a scope's `tx` (the db's camelCase, or tx.withPlugin) transform every statement's result. */
import { expect, it } from 'vitest'
import { CamelCasePlugin, sql, type KyselyPlugin } from 'kysely'
import { describeTargets } from './support/targets.js'

/** A plugin that counts the results it transforms and tags each row, so that a skipped transform shows. */
function tagging(): KyselyPlugin & { seen: number } {
  return {
    seen: 0,
    transformQuery: (args) => args.node,
    async transformResult(args) {
      this.seen++
      return { ...args.result, rows: args.result.rows.map((r) => ({ ...r, tagged: true })) }
    },
  }
}

describeTargets('scope: plugins on tx', (t) => {
  it('a camelCase db returns camelCase keys from the first statement (the one carrying BEGIN) and later ones', async () => {
    const db = t.db({ camelCase: true })
    const rows = await db.scope(async (tx) => {
      const first = await sql<{ someValue: number }>`SELECT 1 AS some_value`.execute(tx)
      const second = await sql<{ otherValue: number }>`SELECT 2 AS other_value`.execute(tx)
      return [first.rows[0], second.rows[0]]
    })
    expect(rows.map((r) => Object.keys(r!))).toEqual([['someValue'], ['otherValue']])
    expect(rows.map((r) => Number(Object.values(r!)[0]))).toEqual([1, 2])
  })

  it('tx.withPlugin() runs the plugin on each result, in a nested scope too, and the plugins stack in order', async () => {
    const db = t.db()
    const plugin = tagging()
    const [outer, inner, stacked] = await db.scope(async (tx) => {
      const p = tx.withPlugin(plugin)
      const a = await sql<{ n: number }>`SELECT 1 AS n`.execute(p)
      const b = await db.scope(async (nested) => (await sql<{ n: number }>`SELECT 2 AS n`.execute(nested.withPlugin(plugin))).rows[0])
      const c = await sql<{ some_n: number }>`SELECT 3 AS some_n`.execute(p.withPlugin(new CamelCasePlugin()))
      return [a.rows[0], b, c.rows[0]]
    })
    expect(outer).toMatchObject({ tagged: true })
    expect(inner).toMatchObject({ tagged: true })
    // tagging ran first, then CamelCasePlugin: the tag is there and the key is camelCased.
    expect(stacked).toMatchObject({ tagged: true, someN: expect.anything() })
    expect(plugin.seen).toBe(3)
  })
})
