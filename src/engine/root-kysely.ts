/**
 * `db.kysely`, the engine's own Kysely. Its `destroy()` disposes the db, as `db.dispose()` does. A Kysely derived from
 * it (`withPlugin`, `withSchema`, `withTables`, `withoutPlugins`) or `db.replica` shares the process-wide pool with
 * every other module, so their `destroy()` only warns (SHARED_DESTROY_WARNING, from their driver's source).
 *
 * @example
 * const audit = db.kysely.withSchema('audit')
 * await audit.destroy()     // a warning; the pool stays open
 * await db.kysely.destroy() // the same as db.dispose()
 */
import { Kysely, type KyselyProps } from 'kysely'

export class RootKysely extends Kysely<any> {
  readonly #destroy: () => Promise<void>

  constructor(props: KyselyProps, destroy: () => Promise<void>) {
    super(props)
    this.#destroy = destroy
  }

  /** Disposes the db: the same as `db.dispose()`. */
  override destroy(): Promise<void> {
    return this.#destroy()
  }
}

/** What `destroy()` on a Kysely that shares the process-wide pool says instead of closing it. */
export const SHARED_DESTROY_WARNING =
  'destroy() on db.replica, or on a Kysely derived from db.kysely or db.replica (withPlugin, withSchema, withTables, ' +
  "withoutPlugins), does nothing: it shares this process's pool with every other module that uses the db. Call " +
  'db.dispose() (or db.kysely.destroy(), the same) once, at shutdown.'
