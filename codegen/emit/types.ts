/**
 * Emits `generated/db.ts`: enum unions and value arrays, the shared column types (see `column-aliases.ts`: the
 * read/write `ColumnType`s and each property type built from them and Kysely's `Generated` and `GeneratedAlways`),
 * one interface per relation, the `DB` interface, and `Selectable`/`Insertable`/`Updateable` row aliases.
 *
 * @example
 * const { text } = emitTypes(model, { camelCase: false })
 * await writeFile('generated/db.ts', text)
 */
import { resolveTypeOptions, type ResolvedTypeOptions, type TypeOptions } from '../../src/types/type-options.js'
import { fingerprint, type ColumnModel, type RelationModel, type SchemaModel } from '../model.js'
import { pascalCase, propertyKey } from '../naming.js'
import { enumTsType, tsTypeFor } from '../../src/types/column-type.js'
import { arrayOf, type TsType } from '../../src/types/ts-type.js'
import { ColumnAliases } from './column-aliases.js'
import { planNames, type NamePlan } from './names.js'
import { generatedHeader, jsdoc, str } from './ts-text.js'

/** A TS type to use instead of the mapped one, optionally imported. */
export type TypeOverride =
  | string
  | {
      /** The TS type text used for select (and insert/update unless `insert` is given). */
      readonly type: string
      readonly insert?: string
      /** `import type { name } from 'from'` is added to the file. */
      readonly import?: { readonly from: string; readonly name: string }
    }

export interface EmitOptions {
  /** Property keys and DB keys in camelCase, matching Kysely's CamelCasePlugin. */
  readonly camelCase?: boolean
  readonly typeOptions?: TypeOptions
  readonly overrides?: {
    /** By `schema.table.column` or `table.column` (any schema; the qualified key wins). */
    readonly columns?: Readonly<Record<string, TypeOverride>>
    /** By database type: a domain name (`email` or `auth.email`) or a type key (`money`, `int8`). Applies to array elements. */
    readonly types?: Readonly<Record<string, TypeOverride>>
  }
}

/** Generated text plus anything a person should be told. */
export interface EmitResult {
  readonly text: string
  readonly warnings: readonly string[]
}

/** The override imports, deduplicated and sorted, as `{ from → names }`. */
export function overrideImports(options: EmitOptions): Map<string, Set<string>> {
  const imports = new Map<string, Set<string>>()
  const all = [...Object.values(options.overrides?.columns ?? {}), ...Object.values(options.overrides?.types ?? {})]
  for (const o of all) {
    if (typeof o === 'string' || !o.import) continue
    const set = imports.get(o.import.from) ?? new Set<string>()
    set.add(o.import.name)
    imports.set(o.import.from, set)
  }
  return imports
}

/** The naming plan for these options (override imports reserve their names). Share it between both emitters. */
export function planFor(model: SchemaModel, options: EmitOptions): NamePlan {
  const extraReserved = [...overrideImports(options).values()].flatMap((s) => [...s])
  return planNames(model, { camelCase: options.camelCase ?? false, extraReserved })
}

/** Renders the whole `db.ts` text. Pass `plan` when emitting metadata too, so names are computed once. */
export function emitTypes(model: SchemaModel, options: EmitOptions = {}, plan: NamePlan = planFor(model, options)): EmitResult {
  return { text: [...typesChunks(model, options, plan)].join(''), warnings: plan.warnings }
}

/**
 * `db.ts` as a sequence of chunks (about one per relation), so a big schema can be written to a file without ever
 * holding the whole text. Joined, the chunks are exactly {@link emitTypes}'s text.
 *
 * @example
 * for (const chunk of typesChunks(model, {}, planFor(model, {}))) out.write(chunk)
 */
export function* typesChunks(model: SchemaModel, options: EmitOptions, plan: NamePlan): Generator<string> {
  const imports = overrideImports(options)
  const typeOptions = resolveTypeOptions(options.typeOptions)
  const used = new Set<string>(['Insertable', 'Selectable', 'Updateable'])
  // First pass: every column's property type, which also tells which Kysely helpers the import line needs.
  const typeOf = memoTsType(model, options, typeOptions, plan)
  const typeTexts = new Map<TsType, Map<string, string>>()
  const aliases = new ColumnAliases(plan.typeRegistry())
  const columnTypes = model.relations.map((r) =>
    r.columns.map((c) => {
      const source = hasColumnOverride(options, r, c) ? null : aliasSource(c, plan)
      return columnType(r, c, typeOf(r, c), used, source === null ? null : { aliases, source }, typeTexts)
    }),
  )

  const importLines = [`import type { ${[...used].sort().join(', ')} } from 'kysely'`]
  for (const [from, names] of [...imports].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    importLines.push(`import type { ${[...names].sort().join(', ')} } from ${str(from)}`)
  }
  yield `${generatedHeader(fingerprint(model))}\n${importLines.join('\n')}\n\n`
  yield 'export type JsonPrimitive = boolean | number | string | null\n' +
    'export type JsonArray = JsonValue[]\n' +
    'export type JsonObject = { [key: string]: JsonValue | undefined }\n' +
    'export type JsonValue = JsonArray | JsonObject | JsonPrimitive\n'

  for (const e of model.enums) {
    const n = plan.enumOf(e)
    if (!n) continue
    const union = e.values.length === 0 ? 'never' : e.values.map(str).join(' | ')
    yield `\n${jsdoc(e.comment)}export type ${n.type} = ${union}\n` + `export const ${n.values} = [${e.values.map(str).join(', ')}] as const\n`
  }
  yield aliases.declarations()

  for (const [ri, r] of model.relations.entries()) {
    const keys = plan.columns(r)
    const types = columnTypes[ri]!
    let text = `\n${jsdoc(r.comment)}export interface ${plan.relation(r).table} {\n`
    for (const [i, c] of r.columns.entries()) {
      const key = keys[i]
      if (key === null || key === undefined) continue
      text += `${jsdoc(c.comment, '  ')}  ${propertyKey(key)}: ${types[i]}\n`
    }
    yield `${text}}\n`
  }

  let db = '\nexport interface DB {\n'
  for (const r of model.relations) {
    const n = plan.relation(r)
    db += `  ${propertyKey(n.key)}: ${n.table}\n`
  }
  yield `${db}}\n`

  for (const r of model.relations) {
    const n = plan.relation(r)
    yield r.kind === 'view' || r.kind === 'materialized_view'
      ? `\nexport type ${n.row} = Selectable<${n.table}>\n`
      : `\nexport type ${n.row} = Selectable<${n.table}>\nexport type ${n.insert} = Insertable<${n.table}>\nexport type ${n.update} = Updateable<${n.table}>\n`
  }
}

function overrideType(o: TypeOverride): TsType {
  if (typeof o === 'string') return { select: o }
  return o.insert === undefined ? { select: o.type } : { select: o.type, insert: o.insert }
}

/** The mapped (or overridden) TS type of a column, before nullability and generation are applied. */
export function columnTsType(model: SchemaModel, r: RelationModel, c: ColumnModel, options: EmitOptions, typeOptions: ResolvedTypeOptions, plan: NamePlan): TsType {
  const colOverride = columnOverride(options, r, c)
  if (colOverride !== undefined) return overrideType(colOverride)
  const byType = options.overrides?.types ?? {}
  const typeOverride =
    (c.domain ? (byType[`${c.domain.schema}.${c.domain.name}`] ?? byType[c.domain.name]) : undefined) ??
    (c.enumRef ? (byType[`${c.enumRef.schema}.${c.enumRef.name}`] ?? byType[c.enumRef.name]) : undefined) ??
    byType[c.typeKey]
  if (typeOverride !== undefined) return arrayOf(overrideType(typeOverride), c.arrayDims, model.dialect === 'postgres')
  if (c.enumRef) {
    const e = plan.enumOf(c.enumRef)
    return enumTsType(model.dialect, c.typeKey, e ? e.type : 'string', c.arrayDims)
  }
  return tsTypeFor(model.dialect, c.typeKey, typeOptions, c.arrayDims)
}

/** {@link columnTsType}, cached by type for columns without a column override (most of them). */
function memoTsType(model: SchemaModel, options: EmitOptions, typeOptions: ResolvedTypeOptions, plan: NamePlan) {
  const cache = new Map<string, TsType>()
  return (r: RelationModel, c: ColumnModel): TsType => {
    if (hasColumnOverride(options, r, c)) return columnTsType(model, r, c, options, typeOptions, plan)
    const key = `${c.typeKey}\u0000${c.arrayDims}\u0000${c.enumRef?.schema}\u0000${c.enumRef?.name}\u0000${c.domain?.schema}\u0000${c.domain?.name}`
    let t = cache.get(key)
    if (t === undefined) {
      t = columnTsType(model, r, c, options, typeOptions, plan)
      cache.set(key, t)
    }
    return t
  }
}

/** The override for this one column (`schema.table.column` wins over `table.column`), if any. */
function columnOverride(options: EmitOptions, r: RelationModel, c: ColumnModel): TypeOverride | undefined {
  const byColumn = options.overrides?.columns
  return byColumn?.[`${r.schema}.${r.name}.${c.name}`] ?? byColumn?.[`${r.name}.${c.name}`]
}

function hasColumnOverride(options: EmitOptions, r: RelationModel, c: ColumnModel): boolean {
  return options.overrides?.columns !== undefined && columnOverride(options, r, c) !== undefined
}

/**
 * What a shared column type is named after: the column's domain, else its enum's type name, else its database type,
 * with `array` per array level (`int4[]` → `Int4ArrayColumn`).
 */
function aliasSource(c: ColumnModel, plan: NamePlan): string {
  const base = c.domain?.name ?? (c.enumRef ? (plan.enumOf(c.enumRef)?.type ?? c.typeKey) : c.typeKey)
  return base + ' array'.repeat(c.arrayDims)
}

type Generation = 'always' | 'default' | 'none'

/** How a column is generated, for its Kysely wrapper: never insertable, optional on insert, or plain. */
function generation(r: RelationModel, c: ColumnModel): Generation {
  if (c.identity === 'always' || c.generated !== null || r.kind === 'materialized_view') return 'always'
  return c.default !== null || c.identity === 'by-default' || c.autoIncrement ? 'default' : 'none'
}

/** Where a column's read/write type gets its shared name; `null` for a column override, which is written out. */
interface Shared {
  readonly aliases: ColumnAliases
  readonly source: string
}

/**
 * The property type text; cached per (type, nullability, generation, alias source), since most columns share a
 * handful.
 */
function columnType(r: RelationModel, c: ColumnModel, t: TsType, used: Set<string>, shared: Shared | null, cache: Map<TsType, Map<string, string>>): string {
  const gen = generation(r, c)
  // Type objects can be shared between database types (`text` and `date` both read as `string`): the source names the alias.
  const key = `${gen}${c.nullable ? '?' : ''}\u0000${shared?.source ?? ''}`
  let byFlags = cache.get(t)
  if (!byFlags) cache.set(t, (byFlags = new Map()))
  let text = byFlags.get(key)
  if (text === undefined) {
    text = renderColumnType(t, c.nullable, gen, used, shared)
    byFlags.set(key, text)
  }
  return text
}

function renderColumnType(t: TsType, nullable: boolean, gen: Generation, used: Set<string>, shared: Shared | null): string {
  const text = spelledOut(t, nullable, gen, used, shared)
  if (shared === null) return text
  // One name per property type: `NullableInt8Column`, `GeneratedBool`, `GeneratedAlwaysNullableInt4`.
  const prefix = gen === 'always' ? 'GeneratedAlways' : gen === 'default' ? 'Generated' : ''
  const readWrite = gen !== 'always' && t.insert !== undefined && t.insert !== t.select ? 'Column' : ''
  return shared.aliases.named(text, `${prefix}${nullable ? 'Nullable' : ''}${pascalCase(shared.source)}${readWrite}`)
}

/** The property type written with Kysely's wrappers and the shared read/write column types. */
function spelledOut(t: TsType, nullable: boolean, gen: Generation, used: Set<string>, shared: Shared | null): string {
  const nul = nullable ? ' | null' : ''
  const select = t.select + nul
  const insert = (t.insert ?? t.select) + nul
  if (gen === 'always') {
    used.add('GeneratedAlways')
    return `GeneratedAlways<${select}>`
  }
  if (insert === select) {
    if (gen === 'none') return select
    used.add('Generated')
    return `Generated<${select}>`
  }
  used.add('ColumnType')
  if (shared !== null && t.insert !== undefined) {
    return shared.aliases.column({ select: t.select, insert: t.insert }, shared.source, nullable, gen === 'default')
  }
  return `ColumnType<${select}, ${insert}${gen === 'default' ? ' | undefined' : ''}, ${insert}>`
}
