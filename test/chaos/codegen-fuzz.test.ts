/**
 * Codegen fuzzing: fast-check draws random schemas (hostile identifiers and comments, every supported type, foreign
 * keys, views), each is applied to a real server, generated with the codegen API, and all of the output is
 * type-checked by one `tsc --noEmit` per dialect.
 */
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generate } from '../../codegen/index.js'
import { createTestDatabase, withMysql, withPg, type TestDatabase } from '../support/test-db.js'
import { compileStrict } from '../support/tsc.js'
import { renderDdl, schemaArb, typeNames, type FuzzDialect, type RandomSchema } from './support/random-schema.js'

const RUNS = { postgres: Number(process.env.FUZZ_PG_SCHEMAS ?? 200), mysql: Number(process.env.FUZZ_MYSQL_SCHEMAS ?? 60) }
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31)

/** Runs `fn` over `items`, `n` at a time. */
async function inBatches<T>(items: readonly T[], n: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) {
      const i = next++
      await fn(items[i]!, i)
    }
  }))
}

for (const dialect of ['postgres', 'mysql'] as const satisfies readonly FuzzDialect[]) {
  describe(`codegen fuzz [${dialect}] (seed ${SEED})`, () => {
    let testDb: TestDatabase
    const dir = join(process.cwd(), '.tmp', `fuzz-${dialect}-${process.pid}-${Date.now().toString(36)}`)
    const extraDatabases: string[] = []
    let types: string[] = []
    beforeAll(async () => {
      testDb = await createTestDatabase(dialect, `fuzz ${dialect}`)
      // Only the types this server accepts (MariaDB lacks a few of MySQL's and vice versa).
      const candidates = typeNames(dialect)
      if (dialect === 'postgres') await withPg((c) => c.query('CREATE EXTENSION IF NOT EXISTS citext'), testDb.url)
      for (const t of candidates) {
        const ddl = renderDdl(dialect, `probe_${types.length}`, { tables: [{ name: 'probe', comment: null, columns: [{ name: 'c', type: t, nullable: true, comment: null }], fkTo: null }], enumLabels: [], view: false })
        const ok = await (dialect === 'postgres'
          ? withPg(async (c) => { await c.query('BEGIN'); try { for (const s of ddl) await c.query(s) } finally { await c.query('ROLLBACK') } }, testDb.url)
          : withMysql(async (c) => { for (const s of ddl) await c.query(s); await c.query('DROP TABLE probe') }, testDb.url)
        ).then(() => true, () => false)
        if (ok) types.push(t)
      }
      expect(types.length).toBeGreaterThan(candidates.length / 2)
    }, 120_000)
    afterAll(async () => {
      for (const name of extraDatabases) await withMysql((c) => c.query(`DROP DATABASE IF EXISTS \`${name}\``)).catch(() => undefined)
      await testDb?.drop()
    })

    it(`${RUNS[dialect]} random schemas reflect, generate, and type-check under --strict`, async () => {
      const schemas: RandomSchema[] = fc.sample(schemaArb(dialect, types), { numRuns: RUNS[dialect], seed: SEED })
      // The sample really covers what it claims: most types, foreign keys, views, enums, hostile names.
      const drawnTypes = new Set(schemas.flatMap((sc) => sc.tables.flatMap((t) => t.columns.map((c) => c.type))))
      expect(drawnTypes.size).toBeGreaterThanOrEqual(Math.floor(types.length * 0.9))
      expect(schemas.some((sc) => sc.view) && schemas.some((sc) => sc.tables.some((t) => t.fkTo !== null))).toBe(true)
      expect(schemas.some((sc) => sc.enumLabels.length > 0)).toBe(true)
      expect(schemas.some((sc) => sc.tables.some((t) => /["`*]/.test(t.name) || t.columns.some((c) => /["`*]/.test(c.name))))).toBe(true)
      const files: Record<string, string> = {}
      const failures: string[] = []
      await inBatches(schemas, 4, async (schema, i) => {
        const ns = `fz_${i}`
        let url = testDb.url
        const ddl = renderDdl(dialect, ns, schema)
        try {
          if (dialect === 'postgres') {
            await withPg(async (c) => { for (const s of ddl) await c.query(s) }, testDb.url)
          } else {
            const name = `${testDb.name}_${i}`.slice(0, 64)
            extraDatabases.push(name)
            await withMysql((c) => c.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`))
            const u = new URL(testDb.url)
            u.pathname = `/${name}`
            url = u.toString()
            await withMysql(async (c) => { for (const s of ddl) await c.query(s) }, url)
          }
          const { files: out } = await generate({ url, ...(dialect === 'postgres' ? { schemas: [ns] } : {}) })
          files[`${ns}/db.ts`] = out['db.ts']
          files[`${ns}/metadata.ts`] = out['metadata.ts']
          files[`${ns}/schema.sql.txt`] = ddl.join(';\n')
        } catch (err) {
          failures.push(`${ns}: ${(err as Error).message}\n${ddl.join(';\n')}`)
        }
      })
      expect(failures, `seed ${SEED}`).toEqual([])
      const tsFiles = Object.fromEntries(Object.entries(files).filter(([n]) => n.endsWith('.ts')))
      // One tsc for every schema: the DDL sits next to each output for reproduction.
      const check = compileStrict(dir, files, ['**/*.ts'])
      expect(Object.keys(tsFiles).length).toBe(2 * RUNS[dialect])
      expect(check.output, `tsc failed (seed ${SEED}; schemas and output kept in ${dir})`).toBe('')
      expect(check.status).toBe(0)
      rmSync(dir, { recursive: true, force: true })
    }, 600_000)
  })
}
