/**
 * The every-type audit's checks: whether a runtime value is of an emitted TS type (at run time), the value as a TS
 * expression of exactly its runtime type (for the type checker), and whether samples cover every member of an
 * insert type.
 *
 * @example
 * conforms(['a', null], '(string | null)[]', new Map())      // true
 * tsLiteral({ at: new Date(0), n: 1n })                       // '{ "at": new Date(0), "n": 1n }'
 * uncovered([['a', null]], '(string | null)[] | null', enums) // ['null']
 */
import { columnTsType, planFor } from '../../codegen/emit/types.js'
import type { SchemaModel } from '../../codegen/model.js'
import { resolveTypeOptions, type TypeOptions } from '../../src/types/type-options.js'
import { compileStrict } from './tsc.js'

/** Splits a type at its top-level `|` (not inside parentheses, braces or brackets). */
export function splitUnion(t: string): string[] {
  const parts: string[] = []
  let depth = 0
  let cur = ''
  for (const ch of t) {
    if ('({[<'.includes(ch)) depth++
    if (')}]>'.includes(ch)) depth--
    if (ch === '|' && depth === 0) {
      parts.push(cur.trim())
      cur = ''
    } else cur += ch
  }
  parts.push(cur.trim())
  return parts.filter((p) => p !== '')
}

/** The element type of an array type (`X[]`, `(X)[]`, `readonly X[]`), or undefined. */
export function elementOf(t: string): string | undefined {
  const s = t.trim().replace(/^readonly /, '')
  if (splitUnion(s).length > 1 || !s.endsWith('[]')) return undefined
  const inner = s.slice(0, -2)
  return inner.startsWith('(') && inner.endsWith(')') ? inner.slice(1, -1) : inner
}

const isJson = (v: unknown): boolean =>
  v === null ||
  typeof v === 'string' ||
  typeof v === 'boolean' ||
  (typeof v === 'number' && Number.isFinite(v)) ||
  (Array.isArray(v) && v.every(isJson)) ||
  (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype && Object.values(v as object).every(isJson))

const ATOMS: Record<string, (v: unknown) => boolean> = {
  null: (v) => v === null,
  string: (v) => typeof v === 'string',
  number: (v) => typeof v === 'number',
  bigint: (v) => typeof v === 'bigint',
  boolean: (v) => typeof v === 'boolean',
  Date: (v) => v instanceof Date && !Number.isNaN(v.getTime()),
  Buffer: (v) => Buffer.isBuffer(v),
  Uint8Array: (v) => v instanceof Uint8Array,
  JsonValue: isJson,
  JsonArray: (v) => Array.isArray(v) && isJson(v),
  JsonObject: (v) => typeof v === 'object' && v !== null && !Array.isArray(v) && isJson(v),
  '{ x: number; y: number }': (v) => typeof v === 'object' && v !== null && Object.keys(v).sort().join() === 'x,y',
  '{ x: number; y: number; radius: number }': (v) => typeof v === 'object' && v !== null && Object.keys(v).sort().join() === 'radius,x,y',
}

/** True when `value` is a runtime value of the TS type text dbgen emitted; `enums` maps union names to their values. */
export function conforms(value: unknown, type: string, enums: ReadonlyMap<string, readonly string[]>): boolean {
  const members = splitUnion(type)
  if (members.length > 1) return members.some((m) => conforms(value, m, enums))
  const t = members[0] ?? ''
  const el = elementOf(t)
  if (el !== undefined) return Array.isArray(value) && value.every((v) => conforms(v, el, enums))
  if (t.startsWith('(') && t.endsWith(')')) return conforms(value, t.slice(1, -1), enums)
  if (/^"/.test(t)) return value === JSON.parse(t)
  const atom = ATOMS[t]
  if (atom) return atom(value)
  const values = enums.get(t)
  if (values) return typeof value === 'string' && values.includes(value)
  throw new Error(`conforms: no rule for the TS type ${t}`)
}

/**
 * The members of `type` (and, for an array member, of its element type) that no sample (or element) conforms to:
 * an empty list means the samples exercise every shape the type admits.
 */
export function uncovered(samples: readonly unknown[], type: string, enums: ReadonlyMap<string, readonly string[]>): string[] {
  const out: string[] = []
  for (const m of splitUnion(type)) {
    const hits = samples.filter((s) => conforms(s, m, enums))
    if (hits.length === 0) {
      out.push(m)
      continue
    }
    const el = elementOf(m)
    if (el !== undefined) out.push(...uncovered(hits.flat(), el, enums).map((e) => `${m} element ${e}`))
  }
  return out
}

/** `value` as a TS expression whose type is exactly the value's runtime type (Dates, Buffers, bigints included). */
export function tsLiteral(value: unknown): string {
  if (value === null) return 'null'
  if (value === undefined) return 'undefined'
  if (typeof value === 'bigint') return `${value}n`
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : value === Infinity ? 'Infinity' : value === -Infinity ? '-Infinity' : String(value)
  if (typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value)
  if (value instanceof Date) return `new Date(${Number.isNaN(value.getTime()) ? 'NaN' : value.getTime()})`
  if (Buffer.isBuffer(value)) return `Buffer.from(${JSON.stringify(value.toString('hex'))}, "hex")`
  if (value instanceof Uint8Array) return `new Uint8Array([${[...value].join(', ')}])`
  if (Array.isArray(value)) return `[${value.map(tsLiteral).join(', ')}]`
  if (typeof value === 'object') return `{ ${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${tsLiteral(v)}`).join(', ')} }`
  throw new Error(`tsLiteral: no literal for ${typeof value}`)
}

/** A value for a failure message: bigints, Dates, Buffers and NaN shown as themselves. */
export function show(value: unknown): string {
  return tsLiteral(value)
}

/** The emitted select and insert types of a relation's columns (`| null` included), and its enums' values. */
export interface ColumnTypes {
  readonly select: ReadonlyMap<string, string>
  readonly insert: ReadonlyMap<string, string>
  readonly enums: ReadonlyMap<string, readonly string[]>
}

/** The types dbgen emits for every column of `relation` (by database name) under these options. */
export function columnTypes(model: SchemaModel, relation: string, typeOptions: TypeOptions): ColumnTypes {
  const plan = planFor(model, { typeOptions })
  const r = model.relations.find((x) => x.name === relation)
  if (!r) throw new Error(`no relation ${relation}`)
  const select = new Map<string, string>()
  const insert = new Map<string, string>()
  for (const c of r.columns) {
    const t = columnTsType(model, r, c, { typeOptions }, resolveTypeOptions(typeOptions), plan)
    const nul = c.nullable ? ' | null' : ''
    select.set(c.name, t.select + nul)
    insert.set(c.name, (t.insert ?? t.select) + nul)
  }
  return { select, insert, enums: new Map(model.enums.map((e) => [plan.enumOf(e)?.type ?? e.name, e.values])) }
}

/** Each column of each row whose value is not of its emitted select type, described. */
export function selectMismatches(rows: readonly Record<string, unknown>[], types: ColumnTypes, label: (i: number) => string): string[] {
  const out: string[] = []
  for (const [i, row] of rows.entries()) {
    for (const [column, type] of types.select) {
      if (type.includes('unknown')) out.push(`${column}: emitted unknown`)
      else if (!conforms(row[column], type, types.enums)) out.push(`${label(i)}.${column}: ${type}, got ${show(row[column])}`)
    }
  }
  return out
}

/**
 * Type-checks, against the emitted `db.ts`, the selected rows as `Selectable` and each written value as
 * `Insertable` and `Updateable` of the relation `key` of `DB`: the compiler's output ('' when all conform).
 */
export function typeCheck(dir: string, dbTs: string, key: string, rows: readonly Record<string, unknown>[], writes: readonly Record<string, unknown>[]): string {
  const list = (xs: readonly unknown[]) => xs.map((x) => `  ${tsLiteral(x)},`).join('\n')
  const use = [
    `import type { Insertable, Selectable, Updateable } from 'kysely'`,
    `import type { DB } from './db.js'`,
    `type T = DB[${JSON.stringify(key)}]`,
    `export const selected: Selectable<T>[] = [\n${list(rows)}\n]`,
    `export const inserted: Insertable<T>[] = [\n${list(writes)}\n]`,
    `export const updated: Updateable<T>[] = inserted`,
  ].join('\n')
  return compileStrict(dir, { 'db.ts': dbTs, 'use.ts': use }).output
}
