/**
 * The whole pipeline as one call: open the source, reflect, emit `db.ts` and `metadata.ts` as text.
 *
 * @example
 * const { files } = await generate({ url: process.env.DATABASE_URL, schemas: ['public'] })
 * await writeFile('generated/db.ts', files['db.ts'])
 */
import { openSource, type SourceOptions } from './connect.js'
import { metadataChunks } from './emit/metadata.js'
import { planFor, typesChunks, type EmitOptions } from './emit/types.js'
import type { SchemaModel } from './model.js'
import { reflectPostgres, type PgReflectOptions } from './reflect/postgres.js'

/** Everything `generate` needs. */
export interface GenerateOptions extends SourceOptions, PgReflectOptions, EmitOptions {}

/** The names of the generated files. */
export type GeneratedFile = 'db.ts' | 'metadata.ts'

/** The generated files (by file name), the model they came from, and counts for the summary line. */
export interface GenerateResult {
  /** Each file's whole text (rendered on first access). */
  readonly files: { readonly [F in GeneratedFile]: string }
  /** A file's text as chunks (about one per relation), for writing a big schema without holding it whole. */
  chunks(file: GeneratedFile): Iterable<string>
  readonly model: SchemaModel
  readonly warnings: readonly string[]
  /** The source in words, password redacted. */
  readonly source: string
  /** Counts, and `ms`: the time spent opening and reading the database (the files render later, when read). */
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

/** Renders both files from a model (no database needed); each file's text is rendered when first read. */
export function emitAll(model: SchemaModel, options: EmitOptions): Pick<GenerateResult, 'files' | 'chunks' | 'warnings'> {
  const plan = planFor(model, options)
  const chunks = (file: GeneratedFile): Iterable<string> =>
    file === 'db.ts' ? typesChunks(model, options, plan) : metadataChunks(model, options, plan)
  const texts = new Map<GeneratedFile, string>()
  const text = (file: GeneratedFile) => texts.get(file) ?? texts.set(file, [...chunks(file)].join('')).get(file)!
  const files = {
    get 'db.ts'() {
      return text('db.ts')
    },
    get 'metadata.ts'() {
      return text('metadata.ts')
    },
  }
  return { files, chunks, warnings: plan.warnings }
}

function countModel(model: SchemaModel) {
  return {
    relations: model.relations.length,
    columns: model.relations.reduce((n, r) => n + r.columns.length, 0),
    enums: model.enums.length,
  }
}
