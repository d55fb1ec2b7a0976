/**
 * The app bench/typecheck compiles: N typical Kysely queries over random tables of the synthetic schema, the same
 * text for every output it is compiled against (only `../db.js` differs). Four kinds in turn: a select with where,
 * an insert … returning, an update with where, and a two-table join. Each file also holds one misuse under
 * `@ts-expect-error`, so an output that typed `DB` as `any` would fail the compile instead of looking fast.
 *
 * @example
 * const files = appFiles({ queries: 100, tables: 1000, seed: 1 })
 * files['app/q0.ts'] // "import type { Kysely } from 'kysely'\n…"
 */

/** What to generate. */
export interface AppOptions {
  readonly queries: number
  /** The schema's tables are `t0` … `t{tables - 1}`. */
  readonly tables: number
  readonly seed: number
}

const PER_FILE = 25

/** The app's files by path (relative to the app directory), plus its `tsconfig.json` and `package.json`. */
export function appFiles(o: AppOptions): Record<string, string> {
  const random = mulberry32(o.seed)
  const table = () => `t${Math.floor(random() * o.tables)}`
  const files: Record<string, string> = {
    'tsconfig.json': `${JSON.stringify(TSCONFIG, null, 2)}\n`,
    'package.json': '{ "type": "module" }\n',
  }
  for (let f = 0; f * PER_FILE < o.queries; f++) {
    const lines = [`import type { Kysely } from 'kysely'`, `import type { DB } from '../db.js'`, '', 'declare const db: Kysely<DB>', '']
    for (let i = f * PER_FILE; i < Math.min(o.queries, (f + 1) * PER_FILE); i++) lines.push(query(i, table(), table), '')
    lines.push(`// @ts-expect-error: no table has this column`, `export const misuse${f} = db.selectFrom('${table()}').select('no_such_column')`, '')
    files[`app/q${f}.ts`] = lines.join('\n')
  }
  return files
}

/** Strict, with skipLibCheck as most projects set it; `types: ['node']` because both outputs use `Buffer`. */
const TSCONFIG = {
  compilerOptions: {
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    types: ['node'],
  },
  include: ['app'],
}

function query(i: number, t: string, another: () => string): string {
  switch (i % 4) {
    case 0:
      return [
        `export async function q${i}() {`,
        `  return db.selectFrom('${t}').select(['id', 'name', 'qty', 'created_at']).where('qty', '>', ${i}).where('active', '=', true).execute()`,
        `}`,
      ].join('\n')
    case 1:
      return [
        `export async function q${i}() {`,
        `  return db.insertInto('${t}').values({ name: 'n${i}', qty: ${i}, tags: ['a'], price: '1.50' }).returning(['id', 'created_at']).executeTakeFirstOrThrow()`,
        `}`,
      ].join('\n')
    case 2:
      return [
        `export async function q${i}() {`,
        `  return db.updateTable('${t}').set({ name: 'u${i}', active: false }).where('id', '=', '${i}').executeTakeFirst()`,
        `}`,
      ].join('\n')
    default: {
      let u = another()
      while (u === t) u = another()
      return [
        `export async function q${i}() {`,
        `  return db.selectFrom('${t}').innerJoin('${u}', '${u}.id', '${t}.parent_id')`,
        `    .select(['${t}.id', '${t}.name', '${u}.qty as parent_qty']).where('${u}.active', '=', true).execute()`,
        `}`,
      ].join('\n')
    }
  }
}

/** A small seeded PRNG, so every run and every output gets the same tables. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
