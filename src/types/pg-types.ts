/**
 * PostgreSQL type → TypeScript type, as data, plus the node-postgres parser plan that makes those types true at run
 * time: the half of the type contract that dbgen's emitter and the PostgreSQL and PGlite drivers both read.
 *
 * One table (`PG_TYPES`) says, for each PostgreSQL type, what the emitted select/insert types are and which text
 * parser produces that select type. The emitter reads the TS side (see `column-type.ts`); the drivers read
 * {@link pgParserPlan} and {@link pgArrayLookups} and install the parsers (`dialects/postgres/parsers.ts`).
 *
 * @example
 * pgParserPlan(resolveTypeOptions({}))  // [{ oid: 20, name: 'int8', array: false, parse: 'string' }, …]
 */
import { infinityDate, utcDay } from './date-values.js'
import { buffer, DATE_IN, DECIMAL_IN, int, INT8_IN, JSON_IN, num, str, type TsType } from './ts-type.js'
import type { ResolvedTypeOptions } from './type-options.js'

/**
 * How a text value from the server becomes a JS value.
 * - `string`: the server's text as is.
 * - `bigint` / `number`: `BigInt(text)` / `Number(text)`.
 * - `day`: a date's `'YYYY-MM-DD'` as a Date at UTC midnight, whatever the process time zone (`utcDay`).
 * - `timestamp`: node-postgres's Date, except `'infinity'` / `'-infinity'`, which it makes the numbers ±Infinity:
 *   they become the latest / earliest JS Date (`infinityDate`), so the value is always a `Date`.
 * - `pg-default`: node-postgres's built-in parser for that OID already yields the emitted type.
 */
export type PgParse = 'string' | 'bigint' | 'number' | 'day' | 'timestamp' | 'pg-default'

interface PgTypeRow {
  /** Scalar OID and its array type's OID (fixed for built-in types). */
  readonly oid: number
  readonly arrayOid: number
  readonly ts: (o: ResolvedTypeOptions) => TsType
  /** The parser that makes a scalar value match `ts().select`. Array elements use the same parse. */
  readonly parse: (o: ResolvedTypeOptions) => PgParse
  /**
   * How arrays of this type come back: `pg` (node-postgres parses them element-wise to match `ts`), `lookup` (the
   * array OID is per database: the runtime looks it up by name, see {@link pgArrayLookups}), `unsupported`
   * (typed `unknown`).
   */
  readonly arrays: 'pg' | 'lookup' | 'unsupported'
}

const keep = (_o?: ResolvedTypeOptions): PgParse => 'pg-default'
const asString = (_o?: ResolvedTypeOptions): PgParse => 'string'

function row(
  oid: number,
  arrayOid: number,
  ts: TsType | ((o: ResolvedTypeOptions) => TsType),
  parse: (o: ResolvedTypeOptions) => PgParse = keep,
  arrays: PgTypeRow['arrays'] = 'pg',
): PgTypeRow {
  return { oid, arrayOid, ts: typeof ts === 'function' ? ts : () => ts, parse, arrays }
}

const timestampRow = (oid: number, arrayOid: number): PgTypeRow =>
  row(
    oid,
    arrayOid,
    (o) => ({ select: o.dates === 'date' ? 'Date' : 'string', insert: DATE_IN }),
    (o) => (o.dates === 'date' ? 'timestamp' : 'string'),
  )

// A Date is accepted for a date column only when dates come back as Dates at UTC midnight: the runtime then writes
// its UTC day. In string mode a Date would be written as its local day, which depends on the process time zone.
const dateRow = row(
  1082,
  1182,
  (o) => (o.dateOnly === 'date' ? { select: 'Date', insert: DATE_IN } : str),
  (o) => (o.dateOnly === 'date' ? 'day' : 'string'),
)

/** PostgreSQL built-in (and common extension) types by `pg_type.typname`. Extension types have OID 0 (looked up by name). */
export const PG_TYPES: Readonly<Record<string, PgTypeRow>> = Object.freeze({
  bool: row(16, 1000, { select: 'boolean' }),
  int2: row(21, 1005, int),
  int4: row(23, 1007, int),
  oid: row(26, 1028, num),
  float4: row(700, 1021, num),
  float8: row(701, 1022, num),
  int8: row(
    20,
    1016,
    (o) => ({ select: o.bigint, insert: INT8_IN }),
    (o) => o.bigint,
  ),
  numeric: row(
    1700,
    1231,
    (o) => ({ select: o.decimal, insert: DECIMAL_IN }),
    // pg leaves scalar numeric as text but parses numeric[] with parseFloat: always set both explicitly.
    (o) => o.decimal,
  ),
  money: row(790, 791, str),
  text: row(25, 1009, str),
  varchar: row(1043, 1015, str),
  bpchar: row(1042, 1014, str),
  char: row(18, 1002, str, asString),
  name: row(19, 1003, str, asString),
  citext: row(0, 0, str, keep, 'lookup'),
  uuid: row(2950, 2951, str),
  inet: row(869, 1041, str),
  cidr: row(650, 651, str),
  macaddr: row(829, 1040, str),
  macaddr8: row(774, 775, str, asString),
  bit: row(1560, 1561, str, asString),
  varbit: row(1562, 1563, str, asString),
  tsvector: row(3614, 3643, str, asString),
  tsquery: row(3615, 3645, str, asString),
  xml: row(142, 143, str, asString),
  date: dateRow,
  timestamp: timestampRow(1114, 1115),
  timestamptz: timestampRow(1184, 1185),
  time: row(1083, 1183, str),
  timetz: row(1266, 1270, str),
  // pg parses interval into an object by default; the plan makes it text.
  interval: row(1186, 1187, str, asString),
  // A top-level null is SQL NULL, not JSON null: a NOT NULL column cannot take it (the runtime writes JSON text).
  json: row(114, 199, { select: 'JsonValue', insert: JSON_IN }),
  jsonb: row(3802, 3807, { select: 'JsonValue', insert: JSON_IN }),
  bytea: row(17, 1001, buffer),
  // The runtime writes the object as the type's text, `(x,y)` / `<(x,y),r>` (see column-writer.ts).
  point: row(600, 1017, { select: '{ x: number; y: number }' }),
  circle: row(718, 719, { select: '{ x: number; y: number; radius: number }' }, keep, 'unsupported'),
  int4range: row(3904, 3905, str, asString),
  int8range: row(3926, 3927, str, asString),
  numrange: row(3906, 3907, str, asString),
  tsrange: row(3908, 3909, str, asString),
  tstzrange: row(3910, 3911, str, asString),
  daterange: row(3912, 3913, str, asString),
})

/** One parser the runtime must install with `pg.types.setTypeParser(oid, …)` (or return from `getTypeParser`). */
export interface PgParserEntry {
  readonly oid: number
  /** `pg_type.typname` of the scalar type (for an array entry, of its element type). */
  readonly name: string
  /** The OID is an array type: parse the array literal, then each element with `parse`. */
  readonly array: boolean
  readonly parse: Exclude<PgParse, 'pg-default'>
}

/**
 * The node-postgres parsers the runtime must set so values match the emitted types, for built-in types with fixed
 * OIDs. Entries are sorted by OID. Types absent from the plan keep pg's built-in parser, which already matches.
 *
 * Arrays whose OID is per database (enums, domains, citext, …) are not in this list: see {@link pgArrayLookups}.
 */
export function pgParserPlan(options: ResolvedTypeOptions): PgParserEntry[] {
  const out: PgParserEntry[] = []
  for (const [name, r] of Object.entries(PG_TYPES)) {
    if (r.oid === 0) continue
    const parse = r.parse(options)
    if (parse !== 'pg-default') {
      out.push({ oid: r.oid, name, array: false, parse })
      out.push({ oid: r.arrayOid, name, array: true, parse })
    }
  }
  return out.sort((a, b) => a.oid - b.oid)
}

/** An array type whose OID differs per database: the runtime looks it up by name and parses it element-wise. */
export interface PgArrayLookup {
  /** Schema of the element type (enum or domain); `null` = any schema (extension types such as citext). */
  readonly schema: string | null
  /** The element type's name (`pg_type.typname`); its array type is `pg_type.typarray`. */
  readonly name: string
  /** The `PG_TYPES` key whose parser each element gets (`text` for enums). */
  readonly element: string
}

/**
 * The arrays the runtime must look up by name — `SELECT typarray FROM pg_type t JOIN pg_namespace n … WHERE
 * t.typname = $name [AND n.nspname = $schema]` — and parse with {@link pgElementParser} per element: enum arrays,
 * arrays of domains, arrays of extension types. node-postgres returns them as raw literals (`'{a,b}'`) otherwise.
 * Input is the emitted metadata (or anything of that shape). Sorted and deduplicated.
 */
export function pgArrayLookups(meta: {
  readonly defaultSchema: string
  readonly enums: Readonly<Record<string, { readonly schema: string; readonly name: string }>>
  readonly tables: Readonly<Record<string, { readonly columns: Readonly<Record<string, { readonly dbType: string; readonly typeKey?: string; readonly arrayDims?: number; readonly domain?: string; readonly enum?: string }>> }>>
}): PgArrayLookup[] {
  const out = new Map<string, PgArrayLookup>()
  const add = (l: PgArrayLookup) => out.set(`${l.schema ?? ''}\u0000${l.name}`, l)
  for (const e of Object.values(meta.enums)) add({ schema: e.schema, name: e.name, element: 'text' })
  for (const t of Object.values(meta.tables)) {
    for (const c of Object.values(t.columns)) {
      if (!c.arrayDims) continue
      const typeKey = c.typeKey ?? c.dbType
      if (c.domain) {
        const dot = c.domain.indexOf('.')
        const [schema, name] = dot < 0 ? [meta.defaultSchema, c.domain] : [c.domain.slice(0, dot), c.domain.slice(dot + 1)]
        add({ schema, name, element: c.enum ? 'text' : typeKey })
      } else if (!c.enum && Object.hasOwn(PG_TYPES, typeKey) && PG_TYPES[typeKey]?.arrays === 'lookup') {
        add({ schema: null, name: typeKey, element: typeKey })
      }
    }
  }
  return [...out.values()].sort((a, b) => ((a.schema ?? '') + '\u0000' + a.name < (b.schema ?? '') + '\u0000' + b.name ? -1 : 1))
}

/**
 * The parser for one element of a looked-up array: the plan's parse for that type if it has one, else
 * node-postgres's built-in parser (`builtin(oid)`, e.g. `pg.types.getTypeParser`), else the text itself.
 */
export function pgElementParser(
  element: string,
  options: ResolvedTypeOptions,
  builtin: (oid: number) => (text: string) => unknown,
): (text: string) => unknown {
  const r = Object.hasOwn(PG_TYPES, element) ? PG_TYPES[element] : undefined
  if (!r || r.oid === 0) return (text) => text
  const parse = r.parse(options)
  if (parse === 'pg-default') return builtin(r.oid)
  const scalar = parse === 'timestamp' ? builtin(r.oid) : undefined
  return (text) => pgParseScalar(parse, text, scalar)
}

/**
 * Turns one text value into a JS value for a scalar `parse`. `timestamp` needs node-postgres's parser for the
 * type (`builtin`) for everything but the infinities.
 */
export function pgParseScalar(parse: PgParserEntry['parse'], text: string, builtin?: (text: string) => unknown): unknown {
  switch (parse) {
    case 'bigint':
      return BigInt(text)
    case 'number':
      return Number(text)
    case 'string':
      return text
    case 'day':
      return utcDay(text)
    case 'timestamp': {
      const inf = infinityDate(text)
      if (inf) return inf
      if (!builtin) throw new TypeError("pgParseScalar('timestamp') needs node-postgres's parser for the type as `builtin`.")
      return builtin(text)
    }
  }
}

/**
 * The parser function for one plan entry; `parseArray` is pg's array literal parser (`pg.types.arrayParser`),
 * `builtin(oid)` node-postgres's parser for an OID (`pg.types.getTypeParser`), needed by `timestamp` entries.
 */
export function pgParserFor(
  entry: PgParserEntry,
  parseArray: (text: string, element: (t: string) => unknown) => unknown,
  builtin?: (oid: number) => (text: string) => unknown,
): (text: string) => unknown {
  const oid = PG_TYPES[entry.name]?.oid ?? 0
  const scalar = entry.parse === 'timestamp' && builtin ? builtin(oid) : undefined
  if (!entry.array) return (text) => pgParseScalar(entry.parse, text, scalar)
  return (text) => parseArray(text, (t) => (t === null ? null : pgParseScalar(entry.parse, t, scalar)))
}
