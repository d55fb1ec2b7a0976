/** A PostgreSQL-family command's outcome as Kysely's QueryResult (node-postgres and PGlite report it alike). */
import type { QueryResult } from 'kysely'

const COUNTED = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE'])

/** Rows, plus `numAffectedRows` for a command that changes rows. */
export function commandResult<R>(command: string | undefined, affected: number | null | undefined, rows: unknown[] | undefined): QueryResult<R> {
  if (command !== undefined && COUNTED.has(command)) return { numAffectedRows: BigInt(affected ?? 0), rows: (rows ?? []) as R[] }
  return { rows: (rows ?? []) as R[] }
}
