/**
 * The shape of the emitted `generated/metadata.ts` object, for the runtime to accept (`defineDb({ metadata })`)
 * without knowing the literal types. Column fields that are absent take a default (see each field): this keeps the
 * file small (a 22k-column schema gives ~2.5 MB instead of ~10 MB). Use {@link columnName} and {@link columnTypeKey}.
 *
 * @example
 * import type { DbgenMetadata } from 'dbscope'
 * function primaryKeyOf(m: DbgenMetadata, table: string) { return m.tables[table]?.primaryKey ?? null }
 */
import type { DialectName } from './dialect-name.js'
import type { ResolvedTypeOptions } from './type-options.js'

/** The kinds of relation a reflector can report. */
export type RelationKind = 'table' | 'view' | 'materialized_view' | 'partitioned_table' | 'foreign_table'

/** A schema-qualified name. */
export interface QualifiedName {
  readonly schema: string
  readonly name: string
}

/** A primary key or unique constraint. */
export interface KeyModel {
  readonly name: string
  /** Column names in key order. */
  readonly columns: readonly string[]
}

/** What happens to referencing rows when the referenced row is deleted or its key updated. */
export type ForeignKeyAction = 'no action' | 'restrict' | 'cascade' | 'set null' | 'set default'

/** A foreign key constraint. */
export interface ForeignKeyModel {
  readonly name: string
  readonly columns: readonly string[]
  readonly references: QualifiedName & { readonly columns: readonly string[] }
  readonly onDelete: ForeignKeyAction
  readonly onUpdate: ForeignKeyAction
}

/** An index. Expression parts are reported as `null` entries in `columns`. */
export interface IndexModel {
  readonly name: string
  readonly columns: readonly (string | null)[]
  readonly unique: boolean
  readonly primary: boolean
  /** A partial index (has a WHERE clause). */
  readonly partial: boolean
  /** Access method, e.g. `btree`, `gin`. */
  readonly method: string
}

export interface DbgenMetadataColumn {
  /** The column's database name; absent when it equals the key (it differs only with camelCase). */
  readonly name?: string
  readonly ordinal: number
  readonly dbType: string
  /** The normalized type the type map looks up (see `ColumnModel.typeKey`); absent when it equals `dbType`. */
  readonly typeKey?: string
  readonly nullable: boolean
  readonly arrayDims?: number
  readonly default?: string
  readonly identity?: 'always' | 'by-default'
  readonly autoIncrement?: boolean
  readonly generated?: 'stored' | 'virtual'
  /** Key into `enums`. */
  readonly enum?: string
  /** The domain, `schema.name` outside the default schema. */
  readonly domain?: string
  readonly unsigned?: boolean
  readonly comment?: string
}

export interface DbgenMetadataTable {
  readonly schema: string
  readonly name: string
  readonly kind: RelationKind
  readonly comment: string | null
  readonly columns: Readonly<Record<string, DbgenMetadataColumn>>
  /** Database column names. */
  readonly primaryKey: readonly string[] | null
  readonly uniques: readonly KeyModel[]
  readonly foreignKeys: readonly (Omit<ForeignKeyModel, 'references'> & {
    /** `table` is the target's key in `tables` (when reflected). */
    readonly references: ForeignKeyModel['references'] & { readonly table: string }
  })[]
  readonly indexes: readonly IndexModel[]
  readonly partitionOf: string | null
}

export interface DbgenMetadata {
  readonly dialect: Exclude<DialectName, 'pglite'>
  readonly fingerprint: string
  readonly defaultSchema: string
  readonly schemas: readonly string[]
  readonly camelCase: boolean
  readonly typeOptions: ResolvedTypeOptions
  readonly enums: Readonly<Record<string, { readonly schema: string; readonly name: string; readonly values: readonly string[] }>>
  readonly tables: Readonly<Record<string, DbgenMetadataTable>>
}

/** A metadata column's database name. */
export function columnName(key: string, column: DbgenMetadataColumn): string {
  return column.name ?? key
}

/** A metadata column's type key. */
export function columnTypeKey(column: DbgenMetadataColumn): string {
  return column.typeKey ?? column.dbType
}
