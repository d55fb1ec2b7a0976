/**
 * The naming plan for one model: `DB` keys, interface and row alias names, enum type names, and property keys,
 * all unique and deterministic. Both emitters use the same plan, so `db.ts` and `metadata.ts` always agree.
 *
 * @example
 * const plan = planNames(model, { camelCase: false })
 * plan.relation(users) // { key: 'users', table: 'UsersTable', row: 'User', insert: 'NewUser', update: 'UserUpdate' }
 */
import { DbgenError } from '../errors.js'
import { compareText, type EnumModel, type QualifiedName, type RelationModel, type SchemaModel } from '../model.js'
import { camelCase, NameRegistry, pascalCase, singular, snakeCase } from '../naming.js'

/** Names in the type namespace that generated code uses itself, or that would shadow globals it relies on. */
export const RESERVED_TYPE_NAMES = [
  'DB',
  'ColumnType',
  'Generated',
  'GeneratedAlways',
  'Insertable',
  'Selectable',
  'Updateable',
  'JsonValue',
  'JsonArray',
  'JsonObject',
  'JsonPrimitive',
  'Date',
  'Buffer',
  'Array',
  'ReadonlyArray',
  'Record',
  'Metadata',
] as const

export interface RelationNames {
  /** The key in the `DB` interface (and in `metadata.tables`). */
  readonly key: string
  readonly table: string
  readonly row: string
  readonly insert: string
  readonly update: string
}

export interface EnumNames {
  readonly type: string
  readonly values: string
}

export interface NamePlan {
  relation(r: RelationModel): RelationNames
  enumOf(q: QualifiedName): EnumNames | undefined
  /**
   * The property key of each column, aligned with `r.columns` (camelCased when asked); `null` where a camelCase twin
   * already took the key.
   */
  columns(r: RelationModel): readonly (string | null)[]
  /** A fresh registry holding every type name the plan gave out or reserved, for names a file claims after it. */
  typeRegistry(): NameRegistry
  readonly warnings: readonly string[]
}

const id = (q: QualifiedName) => `${q.schema}\u0000${q.name}`

/** Assigns every name in the model. `extraReserved` are names taken by imports (type overrides). */
export function planNames(model: SchemaModel, options: { camelCase: boolean; extraReserved?: readonly string[] }): NamePlan {
  const registry = new NameRegistry([...RESERVED_TYPE_NAMES, ...(options.extraReserved ?? [])])
  const warnings: string[] = []
  const conv = (s: string) => (options.camelCase ? camelCase(s) : s)
  const checkCamel = (what: string, s: string) => {
    if (options.camelCase && snakeCase(camelCase(s)) !== s) {
      warnings.push(`${what} ${JSON.stringify(s)} does not round-trip through CamelCasePlugin (it maps back to ${JSON.stringify(snakeCase(camelCase(s)))}).`)
    }
  }

  // The default schema first, so its relations get the unprefixed names.
  const isDefault = (q: QualifiedName) => (q.schema === model.defaultSchema ? 0 : 1)
  const order = [...model.relations].sort((a, b) => isDefault(a) - isDefault(b) || compareText(a.schema, b.schema) || compareText(a.name, b.name))

  const relations = new Map<string, RelationNames>()
  const keys = new Map<string, RelationModel>()
  for (const r of order) {
    checkCamel(`Relation`, r.name)
    const key = r.schema === model.defaultSchema ? conv(r.name) : `${conv(r.schema)}.${conv(r.name)}`
    const clash = keys.get(key)
    if (clash) {
      throw new DbgenError(
        'DBGEN_NAME_COLLISION',
        `Relations "${clash.schema}"."${clash.name}" and "${r.schema}"."${r.name}" both map to the DB key ${JSON.stringify(key)}. ` +
          `Exclude one of them (--exclude) or turn off camelCase.`,
      )
    }
    keys.set(key, r)
    const plural = pascalCase(r.name)
    const one = pascalCase(singular(r.name))
    const schemaPrefix = pascalCase(r.schema)
    const group = (p: string, s: string) => (suffix: string) => ({
      table: `${p}${suffix}Table`,
      row: `${s}${suffix}`,
      insert: `New${s}${suffix}`,
      update: `${s}${suffix}Update`,
    })
    const candidates = [group(plural, one)]
    if (r.schema !== model.defaultSchema) candidates.push(group(schemaPrefix + plural, schemaPrefix + one))
    relations.set(id(r), { key, ...registry.claimGroup(candidates) })
  }

  const enums = new Map<string, EnumNames>()
  for (const e of [...model.enums].sort((a, b) => isDefault(a) - isDefault(b) || compareText(a.schema, b.schema) || compareText(a.name, b.name))) {
    enums.set(id(e), claimEnum(registry, e, model.defaultSchema))
  }

  const columnKeys = new Map<RelationModel, (string | null)[]>()
  for (const r of model.relations) {
    const used = new Set<string>()
    columnKeys.set(
      r,
      r.columns.map((c) => {
        checkCamel(`Column ${r.name}.`, c.name)
        const k = conv(c.name)
        if (!used.has(k)) {
          used.add(k)
          return k
        }
        warnings.push(`Column "${r.schema}"."${r.name}"."${c.name}" is left out: its camelCase key ${JSON.stringify(k)} is already taken.`)
        return null
      }),
    )
  }

  return {
    relation: (r) => relations.get(id(r)) as RelationNames,
    enumOf: (q) => enums.get(id(q)),
    columns: (r) => columnKeys.get(r) ?? r.columns.map((c) => conv(c.name)),
    typeRegistry: () => registry.copy(),
    warnings,
  }
}

function claimEnum(registry: NameRegistry, e: EnumModel, defaultSchema: string): EnumNames {
  const base = pascalCase(e.name)
  const make = (name: string) => (suffix: string) => ({ type: `${name}${suffix}`, values: `${name}${suffix}Values` })
  const candidates = [make(base), make(`${base}Enum`)]
  if (e.schema !== defaultSchema) candidates.push(make(pascalCase(e.schema) + base))
  return registry.claimGroup(candidates)
}
