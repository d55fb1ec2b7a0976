/**
 * Emits `generated/metadata.ts`: the schema model as a typed `as const` object for the runtime — tables with
 * columns, keys and indexes, enums, the fingerprint, the dialect and the resolved type options.
 *
 * @example
 * import { metadata } from './generated/metadata.js'
 * metadata.tables.users.primaryKey // ['id']
 */
import { resolveTypeOptions } from '../../src/type-options.js'
import { fingerprint, qualifiedKey, type QualifiedName, type RelationModel, type SchemaModel } from '../model.js'
import type { NamePlan } from './names.js'
import { generatedHeader, literal, literalKey, Raw } from './ts-text.js'
import { planFor, type EmitOptions, type EmitResult } from './types.js'

/** Renders the whole `metadata.ts` text; uses the same names (`DB` keys, column keys) as `emitTypes`. */
export function emitMetadata(model: SchemaModel, options: EmitOptions = {}, plan: NamePlan = planFor(model, options)): EmitResult {
  return { text: [...metadataChunks(model, options, plan)].join(''), warnings: plan.warnings }
}

/**
 * `metadata.ts` as a sequence of chunks (about one per relation; most of the file is the `tables` object, ~120 bytes
 * per column). Joined, the chunks are exactly {@link emitMetadata}'s text.
 *
 * @example
 * for (const chunk of metadataChunks(model, {}, planFor(model, {}))) out.write(chunk)
 */
export function* metadataChunks(model: SchemaModel, options: EmitOptions, plan: NamePlan): Generator<string> {
  const fp = fingerprint(model)
  const keys = new Map(model.relations.map((r) => [`${r.schema}\u0000${r.name}`, plan.relation(r).key]))
  const keyOf = (q: QualifiedName) => keys.get(`${q.schema}\u0000${q.name}`) ?? qualifiedKey(model, q)
  const TABLES = '\u0000tables\u0000'
  const data = {
    dialect: model.dialect,
    fingerprint: `sha256:${fp}`,
    defaultSchema: model.defaultSchema,
    schemas: model.schemas,
    camelCase: options.camelCase ?? false,
    typeOptions: resolveTypeOptions(options.typeOptions),
    enums: Object.fromEntries(model.enums.map((e) => [qualifiedKey(model, e), { schema: e.schema, name: e.name, values: e.values }])),
    tables: new Raw(TABLES),
  }
  const [before, after] = literal(data).split(TABLES) as [string, string]
  yield `${generatedHeader(fp)}\n` +
    `/** The reflected schema, for the runtime. Absent column flags mean null / false / 0. */\n` +
    `export const metadata = ${before}`
  if (model.relations.length === 0) yield '{}'
  else {
    yield '{\n'
    for (const r of model.relations) {
      const parts: string[] = ['    ', literalKey(plan.relation(r).key), ': ']
      relationText(model, r, plan, keyOf, parts)
      parts.push(',\n')
      yield parts.join('')
    }
    yield '  }'
  }
  yield `${after} as const\n\n/** The type of {@link metadata}. */\nexport type Metadata = typeof metadata\n`
}

const q = JSON.stringify
const strings = (xs: readonly (string | null)[]) => `[${xs.map((x) => (x === null ? 'null' : q(x))).join(', ')}]`
const I6 = '      '

function relationText(model: SchemaModel, r: RelationModel, plan: NamePlan, keyOf: (q: QualifiedName) => string, parts: string[]): void {
  parts.push(`{\n${I6}schema: ${q(r.schema)},\n${I6}name: ${q(r.name)},\n${I6}kind: ${q(r.kind)},\n`)
  parts.push(`${I6}comment: ${r.comment === null ? 'null' : q(r.comment)},\n${I6}columns: `)
  const keys = plan.columns(r)
  let any = false
  for (const [i, c] of r.columns.entries()) {
    const key = keys[i]
    if (key === null || key === undefined) continue
    if (!any) parts.push('{\n')
    any = true
    // Always present: ordinal, dbType, nullable. `name` only when it differs from the key, `typeKey` only when it
    // differs from dbType; the rest only when set (see DbgenMetadataColumn).
    parts.push('        ', literalKey(key), c.name === key ? ': { ' : `: { name: ${q(c.name)}, `)
    parts.push('ordinal: ', String(c.ordinal), ', dbType: ', q(c.dbType))
    if (c.typeKey !== c.dbType) parts.push(', typeKey: ', q(c.typeKey))
    parts.push(c.nullable ? ', nullable: true' : ', nullable: false')
    if (c.arrayDims > 0) parts.push(', arrayDims: ', String(c.arrayDims))
    if (c.default !== null) parts.push(', default: ', q(c.default))
    if (c.identity !== null) parts.push(', identity: ', q(c.identity))
    if (c.autoIncrement) parts.push(', autoIncrement: true')
    if (c.generated !== null) parts.push(', generated: ', q(c.generated))
    if (c.enumRef) parts.push(', enum: ', q(qualifiedKey(model, c.enumRef)))
    if (c.domain) parts.push(', domain: ', q(qualifiedKey(model, c.domain)))
    if (c.unsigned) parts.push(', unsigned: true')
    if (c.comment !== null) parts.push(', comment: ', q(c.comment))
    parts.push(' },\n')
  }
  parts.push(any ? `${I6}},\n` : '{},\n')
  parts.push(`${I6}primaryKey: ${r.primaryKey ? strings(r.primaryKey.columns) : 'null'},\n`)
  list(parts, 'uniques', r.uniques, (u) => `{ name: ${q(u.name)}, columns: ${strings(u.columns)} }`)
  list(parts, 'foreignKeys', r.foreignKeys, (f) => {
    const t = f.references
    const refs = `{ table: ${q(keyOf(t))}, schema: ${q(t.schema)}, name: ${q(t.name)}, columns: ${strings(t.columns)} }`
    return `{ name: ${q(f.name)}, columns: ${strings(f.columns)}, references: ${refs}, onDelete: ${q(f.onDelete)}, onUpdate: ${q(f.onUpdate)} }`
  })
  list(
    parts,
    'indexes',
    r.indexes,
    (x) => `{ name: ${q(x.name)}, columns: ${strings(x.columns)}, unique: ${x.unique}, primary: ${x.primary}, partial: ${x.partial}, method: ${q(x.method)} }`,
  )
  parts.push(`${I6}partitionOf: ${r.partitionOf ? q(keyOf(r.partitionOf)) : 'null'},\n    }`)
}

/** `name: [\n  {…},\n]` with one item per line, or `name: []`. */
function list<T>(parts: string[], name: string, items: readonly T[], item: (x: T) => string): void {
  if (items.length === 0) return void parts.push(`${I6}${name}: [],\n`)
  parts.push(`${I6}${name}: [\n`)
  for (const x of items) parts.push(`${I6}  `, item(x), ',\n')
  parts.push(`${I6}],\n`)
}
