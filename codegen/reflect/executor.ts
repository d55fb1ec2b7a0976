/**
 * How reflection runs SQL: anything with `query(text, params) → rows`. A Kysely instance (any dialect: pg, PGlite,
 * …) is adapted with {@link kyselyExecutor}; the CLI passes a `pg` pool or a PGlite directly, so it never has to
 * load the query builder just to run eight fixed catalog queries.
 *
 * @example
 * await reflectPostgres(db)                                   // a Kysely<any>
 * await reflectPostgres({ query: async (t, p) => (await pool.query(t, p as unknown[])).rows })
 */
import type { Kysely } from 'kysely'

/** Runs one SQL statement with `$n` parameters and returns its rows. */
export interface SqlExecutor {
  query<R>(text: string, params: readonly unknown[]): Promise<R[]>
}

/** True for a Kysely instance (duck-typed, so Kysely is not imported here). */
function isKysely(x: unknown): x is Kysely<any> {
  return typeof x === 'object' && x !== null && typeof (x as Kysely<any>).executeQuery === 'function' && typeof (x as Kysely<any>).selectFrom === 'function'
}

/** Adapts a Kysely instance: each query goes through `db.executeQuery`, so Kysely's `log` and plugins see it. */
export function kyselyExecutor(db: Kysely<any>): SqlExecutor {
  return {
    async query<R>(text: string, params: readonly unknown[]): Promise<R[]> {
      const { CompiledQuery } = await import('kysely')
      const result = await db.executeQuery<R>(CompiledQuery.raw(text, [...params]))
      return [...result.rows]
    },
  }
}

/** Accepts a Kysely instance or an executor. */
export function toExecutor(source: Kysely<any> | SqlExecutor): SqlExecutor {
  return isKysely(source) ? kyselyExecutor(source) : source
}
