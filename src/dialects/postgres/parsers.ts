/**
 * Value parsers for PostgreSQL and PGlite: node-postgres's defaults, overridden by the parser plan of the type
 * contract (src/types/pg-types.ts), so that a value's runtime type is the type dbgen wrote for it.
 *
 * @example
 * const types = postgresTypeParsers({ bigint: 'bigint' })
 * types.getTypeParser(20)('9007199254740993') // 9007199254740993n
 */
import pg from 'pg'
import { pgElementParser, pgParserFor, pgParserPlan, type PgArrayLookup } from '../../types/pg-types.js'
import { resolveTypeOptions, type TypeOptions } from '../../types/type-options.js'
import type { RawConnection } from '../dialect.js'
import { parseArrayLiteral } from './pg-internals.js'

type Parser = (text: string) => unknown

const builtin = (oid: number): Parser => pg.types.getTypeParser(oid as Parameters<typeof pg.types.getTypeParser>[0], 'text') as Parser

/** The per-engine parser table handed to every pg.Client (and read by PGlite's sessions). */
export interface PostgresTypeParsers {
  getTypeParser(oid: number, format?: string): Parser
  /** Adds parsers for arrays whose OID is per database (enums, domains, citext), once looked up. */
  addArrayParsers(entries: readonly { readonly oid: number; readonly element: string }[]): void
}

/** pg's default parsers, overridden by dbgen's parser plan for these TypeOptions. */
export function postgresTypeParsers(options: TypeOptions | undefined): PostgresTypeParsers {
  const o = resolveTypeOptions(options)
  const overrides = new Map<number, Parser>()
  for (const entry of pgParserPlan(o)) overrides.set(entry.oid, pgParserFor(entry, parseArrayLiteral, builtin))
  return {
    getTypeParser(oid: number, format: string = 'text') {
      if (format === 'text') {
        const p = overrides.get(oid)
        if (p) return p
      }
      return pg.types.getTypeParser(oid as Parameters<typeof pg.types.getTypeParser>[0], format as 'text') as Parser
    },
    addArrayParsers(entries) {
      for (const e of entries) {
        const el = pgElementParser(e.element, o, builtin)
        overrides.set(e.oid, (text) => parseArrayLiteral(text, (t) => (t === null ? null : el(t))))
      }
    },
  }
}

/** Looks up the OIDs of per-database array types (one query), for {@link PostgresTypeParsers.addArrayParsers}. */
export async function lookUpArrays(conn: RawConnection, lookups: readonly PgArrayLookup[]): Promise<{ oid: number; element: string }[]> {
  if (lookups.length === 0) return []
  const r = await conn.query<{ i: number; oid: number }>(
    `SELECT l.i, t.typarray::int AS oid
       FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS l(schema, name, i)
       JOIN pg_type t ON t.typname = l.name
       JOIN pg_namespace n ON n.oid = t.typnamespace AND (l.schema IS NULL OR n.nspname = l.schema)
      WHERE t.typarray <> 0`,
    [lookups.map((l) => l.schema), lookups.map((l) => l.name)],
  )
  return r.rows.map((row) => ({ oid: Number(row.oid), element: lookups[Number(row.i) - 1]!.element }))
}
