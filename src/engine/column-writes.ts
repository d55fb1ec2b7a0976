/**
 * The Kysely plugin that makes the generated insert types true: a value bound to a column whose type needs it (json,
 * jsonb, a PostgreSQL point, a MySQL SET, …) is converted by that column's writer (`types/column-writer.ts`) before
 * the driver sees it. Columns are known from the generated metadata; only values written to a column by name are
 * converted: `insertInto(t).values(…)`, `updateTable(t).set(…)`, `onConflict(…).doUpdateSet(…)`,
 * `onDuplicateKeyUpdate(…)`, `mergeInto(t)…thenUpdateSet/thenInsertValues(…)`, in CTEs too. A value given as an
 * expression (`sql\`…\``, `eb.ref(…)`) is sent as written.
 *
 * @example
 * new Kysely<DB>({ dialect, plugins: [new ColumnWritesPlugin(writers)] })
 * // .values({ doc: 'hello' }) binds '"hello"' to a jsonb column: a string is a JSON string
 */
import type { KyselyPlugin, OperationNode, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely'
import { columnWriter, type ColumnWriter } from '../types/column-writer.js'
import type { DialectName } from '../types/dialect-name.js'
import type { DbgenMetadataColumn } from '../types/metadata.js'
import type { ResolvedTypeOptions } from '../types/type-options.js'

/** Writers by table (`schema\u0000name`, database names) and database column name. */
export interface ColumnWriters {
  readonly defaultSchema: string
  readonly tables: ReadonlyMap<string, ReadonlyMap<string, ColumnWriter>>
}

/** The parts of the generated metadata the writers are chosen from. */
export interface WritersMetadata {
  readonly dialect?: string
  readonly defaultSchema?: string
  readonly tables?: Readonly<
    Record<
      string,
      {
        readonly schema?: string
        readonly name?: string
        readonly columns: Readonly<Record<string, Pick<DbgenMetadataColumn, 'name' | 'dbType' | 'typeKey' | 'arrayDims' | 'enum' | 'domain'>>>
      }
    >
  >
}

/**
 * The writers for every column of the metadata that needs one; undefined when none does, or without metadata for
 * this dialect (then values go to the driver as they are: see the README on JSON).
 */
export function columnWritersOf(meta: WritersMetadata | undefined, dialect: DialectName, options: ResolvedTypeOptions): ColumnWriters | undefined {
  const kind = dialect === 'mysql' ? 'mysql' : 'postgres'
  if (!meta?.tables || meta.defaultSchema === undefined || (meta.dialect !== undefined && meta.dialect !== kind)) return undefined
  const tables = new Map<string, Map<string, ColumnWriter>>()
  for (const [key, t] of Object.entries(meta.tables)) {
    for (const [columnKey, c] of Object.entries(t.columns)) {
      const writer = columnWriter(kind, c, options)
      if (!writer) continue
      const id = `${t.schema ?? meta.defaultSchema}\u0000${t.name ?? key}`
      let columns = tables.get(id)
      if (!columns) tables.set(id, (columns = new Map()))
      columns.set(c.name ?? columnKey, writer)
    }
  }
  return tables.size === 0 ? undefined : { defaultSchema: meta.defaultSchema, tables }
}

/** The parts of Kysely's nodes this plugin reads (their shapes are Kysely's public node interfaces). */
type Node = OperationNode & Record<string, any>
type Columns = ReadonlyMap<string, ColumnWriter>

export class ColumnWritesPlugin implements KyselyPlugin {
  readonly #writers: ColumnWriters

  constructor(writers: ColumnWriters) {
    this.#writers = writers
  }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return this.#query(args.node as Node) as RootOperationNode
  }

  transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return Promise.resolve(args.result)
  }

  /** A query node with its CTEs and its own writes converted; the same node when nothing changes (most queries). */
  #query(node: Node): Node {
    let out = node
    if (node.with) {
      const expressions = (node.with.expressions as Node[]).map((cte) => {
        const expression = this.#query(cte.expression)
        return expression === cte.expression ? cte : { ...cte, expression }
      })
      if (expressions.some((e, i) => e !== node.with.expressions[i])) out = { ...out, with: { ...node.with, expressions } }
    }
    switch (node.kind) {
      case 'InsertQueryNode':
        return this.#insert(out, this.#table(node.into))
      case 'UpdateQueryNode':
        return this.#update(out, this.#aliases(node))
      case 'MergeQueryNode':
        return this.#merge(out)
      default:
        return out
    }
  }

  /** The writers of a table node (TableNode, or an alias of one); undefined for an unknown table. */
  #table(node: Node | undefined): Columns | undefined {
    if (node?.kind === 'AliasNode') return this.#table(node.node)
    if (node?.kind !== 'TableNode') return undefined
    const schema: string = node.table.schema?.name ?? this.#writers.defaultSchema
    return this.#writers.tables.get(`${schema}\u0000${node.table.identifier.name}`)
  }

  #insert(node: Node, columns: Columns | undefined): Node {
    if (!columns || !node.columns || node.values?.kind !== 'ValuesNode') return this.#conflicts(node, columns)
    const writers = (node.columns as Node[]).map((c) => columns.get(c.column.name))
    if (writers.every((w) => w === undefined)) return this.#conflicts(node, columns)
    const rows = (node.values.values as Node[]).map((row) => {
      if (row.kind === 'PrimitiveValueListNode') return { ...row, values: row.values.map((v: unknown, i: number) => (writers[i] ? writers[i](v) : v)) }
      if (row.kind === 'ValueListNode') return { ...row, values: row.values.map((v: Node, i: number) => write(v, writers[i])) }
      return row
    })
    return this.#conflicts({ ...node, values: { ...node.values, values: rows } }, columns)
  }

  /** The `ON CONFLICT … DO UPDATE SET` / `ON DUPLICATE KEY UPDATE` assignments of an insert. */
  #conflicts(node: Node, columns: Columns | undefined): Node {
    if (!columns) return node
    let out = node
    if (node.onConflict?.updates) out = { ...out, onConflict: { ...node.onConflict, updates: this.#set(node.onConflict.updates, () => columns) } }
    if (node.onDuplicateKey) out = { ...out, onDuplicateKey: { ...node.onDuplicateKey, updates: this.#set(node.onDuplicateKey.updates, () => columns) } }
    return out
  }

  /** Each `column = value` with its column's writer applied; `tableOf` resolves a qualified column's table. */
  #set(updates: readonly Node[], tableOf: (qualifier: string | undefined) => Columns | undefined): Node[] {
    return updates.map((u) => {
      const ref: Node = u.column
      const column: Node | undefined = ref.kind === 'ColumnNode' ? ref : ref.kind === 'ReferenceNode' && ref.column.kind === 'ColumnNode' ? ref.column : undefined
      const qualifier: string | undefined = ref.kind === 'ReferenceNode' ? ref.table?.table.identifier.name : undefined
      const writer = column ? tableOf(qualifier)?.get(column.column.name) : undefined
      const value = write(u.value, writer)
      return value === u.value ? u : { ...u, value }
    })
  }

  /** An UPDATE's tables by name and alias; an unqualified column belongs to the updated table when it is one. */
  #aliases(node: Node): (qualifier: string | undefined) => Columns | undefined {
    const targets: Node[] = node.table?.kind === 'ListNode' ? node.table.items : node.table ? [node.table] : []
    const joined: Node[] = [...targets, ...((node.joins ?? []) as Node[]).map((j) => j.table), ...((node.from?.froms ?? []) as Node[])]
    return (qualifier) => {
      if (qualifier === undefined) return targets.length === 1 ? this.#table(targets[0]) : undefined
      const hit = joined.find((t) => (t.kind === 'AliasNode' ? t.alias.name : t.table?.identifier.name) === qualifier)
      return this.#table(hit)
    }
  }

  #update(node: Node, tableOf: (qualifier: string | undefined) => Columns | undefined): Node {
    return node.updates ? { ...node, updates: this.#set(node.updates, tableOf) } : node
  }

  #merge(node: Node): Node {
    const columns = this.#table(node.into)
    if (!columns || !node.whens) return node
    const whens = (node.whens as Node[]).map((w) => {
      if (w.result?.kind === 'UpdateQueryNode') return { ...w, result: this.#update(w.result, () => columns) }
      if (w.result?.kind === 'InsertQueryNode') return { ...w, result: this.#insert(w.result, columns) }
      return w
    })
    return { ...node, whens }
  }
}

/** A value node with `writer` applied; any other node (an expression, DEFAULT) as it is. */
function write(node: Node, writer: ColumnWriter | undefined): Node {
  if (!writer || node.kind !== 'ValueNode') return node
  return { ...node, value: writer(node.value) }
}
