/**
 * The whole pipeline as one call: open the source, reflect, emit `db.ts` and `metadata.ts` as text.
 *
 * @example
 * const { files } = await generate({ url: process.env.DATABASE_URL, schemas: ['public'] })
 * await writeFile('generated/db.ts', files['db.ts'])
 */
import { openSource, type SourceOptions } from './connect.js'
import { emitMetadata } from './emit/metadata.js'
import { emitTypes, planFor, type EmitOptions } from './emit/types.js'
import type { SchemaModel } from './model.js'
import { reflectPostgres, type PgReflectOptions } from './reflect/postgres.js'

/** Everything `generate` needs. */
export interface GenerateOptions extends SourceOptions, PgReflectOptions, EmitOptions {}

/** The generated files (by file name), the model they came from, and counts for the summary line. */
export interface GenerateResult {
  readonly files: { readonly 'db.ts': string; readonly 'metadata.ts': string }
  readonly model: SchemaModel
  readonly warnings: readonly string[]
  /** The source in words, password redacted. */
  readonly source: string
  readonly stats: { readonly relations: number; readonly columns: number; readonly enums: number; readonly ms: number }
}

/** Reflects the database and renders both files. */
export async function generate(options: GenerateOptions): Promise<GenerateResult> {
  const started = performance.now()
  const source = await openSource(options)
  let model: SchemaModel
  try {
    model =
      source.dialect === 'mysql'
        ? await (await import('./reflect/mysql.js')).reflectMysql(source.executor, options)
        : await reflectPostgres(source.executor, options)
  } finally {
    await source.close()
  }
  return { ...emitAll(model, options), model, source: source.label, stats: { ...countModel(model), ms: performance.now() - started } }
}

/** Renders both files from a model (no database needed). */
export function emitAll(model: SchemaModel, options: EmitOptions): Pick<GenerateResult, 'files' | 'warnings'> {
  const plan = planFor(model, options)
  const types = emitTypes(model, options, plan)
  const metadata = emitMetadata(model, options, plan)
  return { files: { 'db.ts': types.text, 'metadata.ts': metadata.text }, warnings: types.warnings }
}

function countModel(model: SchemaModel) {
  return {
    relations: model.relations.length,
    columns: model.relations.reduce((n, r) => n + r.columns.length, 0),
    enums: model.enums.length,
  }
}
