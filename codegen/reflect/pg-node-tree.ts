/**
 * A reader for PostgreSQL's node-tree text (`pg_rewrite.ev_action`), and what it tells about view columns: which
 * view column is a plain reference to which base column, and whether that base is on the nullable side of an outer
 * join. Anything it does not understand is reported as "not a plain reference", which makes the column nullable.
 *
 * @example
 * viewColumnSources(evActionText) // [{ relid: 16396, attnum: 1 }, null, …] indexed by view column position - 1
 */

/** A parsed node: `{NAME :field value …}` → `{ type: 'NAME', fields }`. */
export interface PgNode {
  readonly type: string
  readonly fields: Readonly<Record<string, PgValue>>
}
/** A value in a node tree: a node, a list, an atom (string), or a run of atoms (e.g. a Const's bytes). */
export type PgValue = PgNode | PgValue[] | string | null

/** Tokens: `(`, `)`, `{`, `}`, or a run of other non-blank characters where `\x` escapes `x`. */
const TOKEN = /\s*([(){}]|(?:\\[\s\S]|[^\s(){}\\])+)/y

function tokenize(text: string): string[] {
  const tokens: string[] = []
  TOKEN.lastIndex = 0
  for (let m = TOKEN.exec(text); m !== null; m = TOKEN.exec(text)) {
    const tok = m[1] as string
    tokens.push(tok.includes('\\') ? tok.replace(/\\([\s\S])/g, '$1') : tok)
  }
  return tokens
}

class Parser {
  #pos = 0
  readonly #tokens: string[]

  constructor(tokens: string[]) {
    this.#tokens = tokens
  }

  value(): PgValue {
    const t = this.#tokens[this.#pos++]
    if (t === undefined) throw new Error('unexpected end of node tree')
    if (t === '{') return this.#node()
    if (t === '(') return this.#list()
    if (t === '<>') return null
    return t
  }

  #list(): PgValue[] {
    const items: PgValue[] = []
    while (this.#tokens[this.#pos] !== ')') {
      if (this.#pos >= this.#tokens.length) throw new Error('unterminated list')
      items.push(this.value())
    }
    this.#pos++
    return items
  }

  #node(): PgNode {
    const type = this.#tokens[this.#pos++] ?? ''
    const fields: Record<string, PgValue> = {}
    for (;;) {
      const t = this.#tokens[this.#pos]
      if (t === undefined) throw new Error('unterminated node')
      if (t === '}') {
        this.#pos++
        return { type, fields }
      }
      if (!t.startsWith(':')) throw new Error(`expected a field in ${type}, got ${t}`)
      this.#pos++
      const run: PgValue[] = []
      while (this.#tokens[this.#pos] !== '}' && !this.#tokens[this.#pos]?.startsWith(':')) run.push(this.value())
      fields[t.slice(1)] = run.length === 1 ? (run[0] as PgValue) : run
    }
  }
}

/** Parses node-tree text; throws on text it cannot read. */
export function parseNodeTree(text: string): PgValue {
  return new Parser(tokenize(text)).value()
}

function isNode(v: PgValue | undefined, type?: string): v is PgNode {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && (type === undefined || v.type === type)
}

/** Range-table indexes under a join-tree item. */
function rtIndexes(item: PgValue | undefined, into: Set<number>): Set<number> {
  if (isNode(item, 'RANGETBLREF')) into.add(Number(item.fields.rtindex))
  else if (isNode(item, 'JOINEXPR')) {
    rtIndexes(item.fields.larg, into)
    rtIndexes(item.fields.rarg, into)
  } else if (isNode(item, 'FROMEXPR') && Array.isArray(item.fields.fromlist)) {
    for (const f of item.fields.fromlist) rtIndexes(f, into)
  }
  return into
}

/** Range-table indexes that an outer join can null: the right of LEFT, the left of RIGHT, both sides of FULL. */
function nullableSide(item: PgValue | undefined, into: Set<number>): Set<number> {
  if (isNode(item, 'JOINEXPR')) {
    const kind = Number(item.fields.jointype)
    if (kind === 1 || kind === 2) rtIndexes(item.fields.rarg, into)
    if (kind === 3 || kind === 2) rtIndexes(item.fields.larg, into)
    if (kind !== 0 && kind !== 1 && kind !== 2 && kind !== 3) rtIndexes(item, into)
    nullableSide(item.fields.larg, into)
    nullableSide(item.fields.rarg, into)
  } else if (isNode(item, 'FROMEXPR') && Array.isArray(item.fields.fromlist)) {
    for (const f of item.fields.fromlist) nullableSide(f, into)
  }
  return into
}

/** Where a view column comes from, when it is a plain reference to a base relation's column. */
export interface ColumnSource {
  readonly relid: number
  readonly attnum: number
}

/**
 * For each view column (by position), the base column it plainly references where no outer join, set operation or
 * grouping set can make it null; `null` otherwise. Returns `[]` when the text cannot be read.
 */
export function viewColumnSources(evAction: string): (ColumnSource | null)[] {
  let tree: PgValue
  try {
    tree = parseNodeTree(evAction)
  } catch {
    return []
  }
  const query = Array.isArray(tree) ? tree[0] : tree
  if (!isNode(query, 'QUERY')) return []
  const f = query.fields
  if (f.setOperations !== null || (f.groupingSets !== undefined && f.groupingSets !== null)) return []
  const rtable = Array.isArray(f.rtable) ? f.rtable : []
  const nullable = nullableSide(f.jointree ?? null, new Set())
  const out: (ColumnSource | null)[] = []
  for (const tle of Array.isArray(f.targetList) ? f.targetList : []) {
    if (!isNode(tle, 'TARGETENTRY') || tle.fields.resjunk === 'true') continue
    out[Number(tle.fields.resno) - 1] = plainSource(tle.fields.expr, rtable, nullable)
  }
  return Array.from(out, (x) => x ?? null)
}

function plainSource(expr: PgValue | undefined, rtable: PgValue[], nullable: Set<number>): ColumnSource | null {
  if (!isNode(expr, 'VAR') || expr.fields.varlevelsup !== '0') return null
  const nulling = expr.fields.varnullingrels
  if (Array.isArray(nulling) && nulling.length > 1) return null
  const varno = Number(expr.fields.varno)
  const attnum = Number(expr.fields.varattno)
  const rte = rtable[varno - 1]
  if (nullable.has(varno) || attnum <= 0 || !isNode(rte, 'RANGETBLENTRY') || rte.fields.rtekind !== '0') return null
  const relid = Number(rte.fields.relid)
  return Number.isInteger(relid) && relid > 0 ? { relid, attnum } : null
}
