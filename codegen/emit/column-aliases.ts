/**
 * Shared, named column types for `db.ts`: each column type that reads as one type and writes as another
 * (`ColumnType<Select, Insert, Update>`) is declared once, named after the database type it comes from, and the
 * tables refer to it by name (`big_count: Int8Column | null`, `created_at: WithDefault<TimestamptzColumn>`). On a
 * big schema this nearly halves the text tsc parses and binds; Kysely's `Selectable`, `Insertable` and `Updateable`
 * give exactly the types the spelled-out form gave, since they distribute over `| null`.
 *
 * @example
 * const aliases = new ColumnAliases(plan.typeRegistry())
 * aliases.column({ select: 'string', insert: 'bigint | number | string' }, 'int8', true, false) // 'Int8Column | null'
 * aliases.declarations() // 'export type Int8Column = ColumnType<string, bigint | number | string, bigint | number | string>\n'
 */
import { NameRegistry, pascalCase } from '../naming.js'

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

  /** The declarations of every alias handed out so far (empty when none was). */
  declarations(): string {
    if (this.#declarations.size === 0 && this.#withDefault === null) return ''
    const helper =
      this.#withDefault === null
        ? ''
        : '/** A column that has a default: optional on insert. */\n' +
          `export type ${this.#withDefault}<C> = C extends ColumnType<infer S, infer I, infer U> ? ColumnType<S, I | undefined, U> : never\n`
    return (
      '\n/** Column types that are read as one type and written as another, shared by the tables below. */\n' +
      [...this.#declarations].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, d]) => d).join('') +
      helper
    )
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
