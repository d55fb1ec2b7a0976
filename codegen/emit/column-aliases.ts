/**
 * Shared, named column types for `db.ts`. Each column type that reads as one type and writes as another
 * (`ColumnType<Select, Insert, Update>`) is declared once, named after the database type it comes from
 * (`Int8Column`). Then each property type that is more than one name or keyword (`Int8Column | null`,
 * `Generated<boolean>`, `WithDefault<TimestamptzColumn>`) is declared once too, and the tables refer to it by name
 * (`big_count: NullableInt8Column`, `created_at: GeneratedTimestamptzColumn`). On a big schema this is most of the
 * text, and so of the syntax nodes, tsc parses and binds on every run: one type reference per column instead of a
 * union or a generic. The names are aliases, so Kysely's `Selectable`, `Insertable` and `Updateable` give exactly
 * the types the spelled-out form gave.
 *
 * @example
 * const aliases = new ColumnAliases(plan.typeRegistry())
 * const t = aliases.column({ select: 'string', insert: 'bigint | number | string' }, 'int8', true, false) // 'Int8Column | null'
 * aliases.named(t, 'NullableInt8Column') // 'NullableInt8Column'
 * aliases.declarations() // '…export type Int8Column = ColumnType<string, …>\n…export type NullableInt8Column = Int8Column | null\n'
 */
import { isIdentifier, NameRegistry, pascalCase } from '../naming.js'

/** The TS types of a column before nullability and its default are applied; `insert` differs from `select`. */
export interface ReadWriteType {
  readonly select: string
  readonly insert: string
}

/** Names and declares the shared column types of one `db.ts`. */
export class ColumnAliases {
  readonly #registry: NameRegistry
  /** `source \0 select \0 insert` → alias name, claimed in the order the tables first use them. */
  readonly #names = new Map<string, string>()
  /** Alias name → its declaration. */
  readonly #declarations = new Map<string, string>()
  #withDefault: string | null = null
  /** `base \0 text` → property alias name; its declarations go in {@link #propertyDeclarations}. */
  readonly #properties = new Map<string, string>()
  readonly #propertyDeclarations = new Map<string, string>()

  /** `registry` holds every type name the file already uses (tables, rows, enums, imports), so aliases never clash. */
  constructor(registry: NameRegistry) {
    this.#registry = registry
  }

  /**
   * The property type of a column of type `t`, named after `source` (the database type, domain or enum it is
   * declared with): the alias, wrapped in `WithDefault<…>` when the column has a default and followed by `| null`
   * when it is nullable.
   */
  column(t: ReadWriteType, source: string, nullable: boolean, hasDefault: boolean): string {
    const alias = this.#alias(t, source)
    return `${hasDefault ? `${this.#defaultHelper()}<${alias}>` : alias}${nullable ? ' | null' : ''}`
  }

  /**
   * A property type as one name: `text` itself when it is a single name or keyword (`string`, `Int8Column`),
   * else a shared alias of it named `base` (numbered if the name is taken). The same `text` and `base` always give
   * the same alias.
   */
  named(text: string, base: string): string {
    if (isIdentifier(text)) return text
    const key = `${base}\u0000${text}`
    let name = this.#properties.get(key)
    if (name === undefined) {
      name = this.#registry.claimGroup([(suffix) => ({ name: `${base}${suffix}` })]).name
      this.#properties.set(key, name)
      this.#propertyDeclarations.set(name, `export type ${name} = ${text}\n`)
    }
    return name
  }

  /** The declarations of every alias handed out so far (empty when none was). */
  declarations(): string {
    let text = ''
    if (this.#declarations.size > 0 || this.#withDefault !== null) {
      text += '\n/** Column types that are read as one type and written as another, shared by the tables below. */\n' + sorted(this.#declarations)
    }
    if (this.#withDefault !== null) {
      text +=
        '/** A column that has a default: optional on insert. */\n' +
        `export type ${this.#withDefault}<C> = C extends ColumnType<infer S, infer I, infer U> ? ColumnType<S, I | undefined, U> : never\n`
    }
    if (this.#propertyDeclarations.size > 0) text += '\n/** The column types of the tables below, each declared once. */\n' + sorted(this.#propertyDeclarations)
    return text
  }

  #alias(t: ReadWriteType, source: string): string {
    const key = `${source}\u0000${t.select}\u0000${t.insert}`
    let name = this.#names.get(key)
    if (name === undefined) {
      const base = `${pascalCase(source)}Column`
      name = this.#registry.claimGroup([(suffix) => ({ name: `${base}${suffix}` })]).name
      this.#names.set(key, name)
      this.#declarations.set(name, `export type ${name} = ColumnType<${t.select}, ${t.insert}, ${t.insert}>\n`)
    }
    return name
  }

  #defaultHelper(): string {
    this.#withDefault ??= this.#registry.claimGroup([(suffix) => ({ name: `WithDefault${suffix}` })]).name
    return this.#withDefault
  }
}

/** The declarations in name order. */
function sorted(declarations: ReadonlyMap<string, string>): string {
  return [...declarations].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, d]) => d).join('')
}
