/**
 * A statement's operation and table, read cheaply from the query Kysely compiled (its root node's kind and table
 * node), or from the first keyword of raw SQL: the span name `{operation} {table}` and the attributes
 * `db.operation.name` / `db.collection.name`.
 *
 * @example
 * statementName(db.selectFrom('users').selectAll().compile()) // { operation: 'SELECT', collection: 'users' }
 * statementName(CompiledQuery.raw('COMMIT'))                  // { operation: 'COMMIT', collection: undefined }
 */
import type { CompiledQuery, OperationNode } from 'kysely'

export interface StatementName {
  readonly operation: string | undefined
  readonly collection: string | undefined
}

const OPERATIONS: Readonly<Record<string, string>> = {
  SelectQueryNode: 'SELECT',
  InsertQueryNode: 'INSERT',
  UpdateQueryNode: 'UPDATE',
  DeleteQueryNode: 'DELETE',
  MergeQueryNode: 'MERGE',
}

type Node = OperationNode & Record<string, any>

/** The operation and table of a compiled statement; the SQL's first keyword when it is raw SQL. */
export function statementName(q: CompiledQuery): StatementName {
  const node = q.query as Node | undefined
  const operation = node ? OPERATIONS[node.kind] : undefined
  if (operation === undefined || !node) return { operation: firstKeyword(q.sql), collection: undefined }
  return { operation, collection: tableOf(targetOf(node)) }
}

/** The node naming the statement's (first) table. */
function targetOf(node: Node): Node | undefined {
  switch (node.kind) {
    case 'SelectQueryNode':
      return node.from?.froms?.[0]
    case 'DeleteQueryNode':
      return node.from?.froms?.[0]
    case 'UpdateQueryNode':
      return node.table
    default:
      return node.into // InsertQueryNode, MergeQueryNode
  }
}

/** `schema.table` or `table` of a TableNode, also under an alias; undefined for a subquery or a function. */
function tableOf(n: Node | undefined): string | undefined {
  if (n?.kind === 'AliasNode') n = n.node
  if (n?.kind !== 'TableNode') return undefined
  const t = n.table as { schema?: { name: string }; identifier: { name: string } }
  return t.schema ? `${t.schema.name}.${t.identifier.name}` : t.identifier.name
}

const KEYWORD = /^\s*(?:\/\*[\s\S]*?\*\/\s*)?([A-Za-z]+)/

/** The first keyword of raw SQL, upper-cased (`BEGIN`, `COMMIT`, `SELECT` …); undefined when there is none. */
export function firstKeyword(sql: string): string | undefined {
  const m = KEYWORD.exec(sql.length > 200 ? sql.slice(0, 200) : sql)
  return m ? m[1]!.toUpperCase() : undefined
}

/** The span name: `{operation} {table}`, `{operation}`, or the database system when neither is known. */
export function spanName(name: StatementName, system: string): string {
  if (name.operation === undefined) return system
  return name.collection === undefined ? name.operation : `${name.operation} ${name.collection}`
}
