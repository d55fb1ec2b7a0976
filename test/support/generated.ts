/**
 * dbgen's output for a test database as a consumer gets it: the reflected model, the `db.ts` text, and the metadata
 * object (emitted, written to a directory and imported), for tests that run the runtime with `metadata`.
 *
 * @example
 * const model = await reflectTarget(t)
 * const { metadata, dbTs } = await generated(model, { typeOptions: { dateOnly: 'date' } }, dir)
 * const db = t.db({ metadata })
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { emitMetadata } from '../../codegen/emit/metadata.js'
import { emitTypes, planFor, type EmitOptions } from '../../codegen/emit/types.js'
import type { SchemaModel } from '../../codegen/model.js'
import { reflectPostgres } from '../../codegen/reflect/postgres.js'
import type { DbgenMetadata } from '../../src/types/metadata.js'
import { reflectMysqlAt } from './mysql-reflect.js'
import { reflectUrl } from './reflect.js'
import { pgliteInstance, type Target } from './targets.js'

/** Reflects a target's database the way dbgen does (PGlite through its instance, PgBouncer's through the server). */
export async function reflectTarget(t: Target): Promise<SchemaModel> {
  if (t.kind === 'mysql') return (await reflectMysqlAt(t.directUrl)).model
  if (t.kind === 'postgres') return reflectUrl(t.directUrl)
  const pglite = await pgliteInstance()
  return reflectPostgres({ query: async <R>(text: string, params: readonly unknown[]) => (await pglite.query<R>(text, [...params])).rows })
}

export interface Generated {
  readonly dbTs: string
  readonly metadata: DbgenMetadata
}

let count = 0

/** Emits db.ts and metadata.ts for `model` into `dir` (a fresh file name each call) and imports the metadata. */
export async function generated(model: SchemaModel, options: EmitOptions, dir: string): Promise<Generated> {
  mkdirSync(dir, { recursive: true })
  const plan = planFor(model, options)
  const dbTs = emitTypes(model, options, plan).text
  const file = join(dir, `metadata-${process.pid}-${++count}.ts`)
  writeFileSync(file, emitMetadata(model, options, plan).text)
  const { metadata } = (await import(file)) as { metadata: DbgenMetadata }
  return { dbTs, metadata }
}
