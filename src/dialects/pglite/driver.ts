/**
 * The engine's PGlite driver: embedded PostgreSQL with a pool of one (its single session), the same value parsers as
 * node-postgres, and the instance closed at the end when dbscope created it.
 *
 * @example
 * const driver = createPGliteDriver({ pglite: () => new PGlite(), types: undefined })
 */
import type { PgArrayLookup } from '../../types/pg-types.js'
import type { TypeOptions } from '../../types/type-options.js'
import type { DialectDriver } from '../dialect.js'
import { classifyPostgresError } from '../postgres/errors.js'
import { lookUpArrays, postgresTypeParsers } from '../postgres/parsers.js'
import { pgliteBase } from './base.js'
import { openSession, parsersFrom, type PGliteInstance } from './session.js'

export interface PGliteDriverOptions {
  /** The instance, or a factory called on first use; a factory's instance is closed by `end()`. */
  readonly pglite: PGliteInstance | (() => PGliteInstance | Promise<PGliteInstance>)
  readonly types: TypeOptions | undefined
  /** Per-database array types (enums, domains, citext) from the generated metadata, looked up on first use. */
  readonly arrayLookups?: readonly PgArrayLookup[]
}

/** The engine's PGlite driver: pool size 1, one session, the same parsers as node-postgres. */
export function createPGliteDriver(options: PGliteDriverOptions): DialectDriver {
  const types = postgresTypeParsers(options.types)
  // One record, shared by every session: the per-database array parsers are added to it once they are looked up.
  const parsers = parsersFrom(types)
  let arraysReady = (options.arrayLookups ?? []).length === 0
  let instance: Promise<PGliteInstance> | undefined
  const owned = typeof options.pglite === 'function'
  const get = () => (instance ??= Promise.resolve(typeof options.pglite === 'function' ? options.pglite() : options.pglite))
  return {
    ...pgliteBase,
    async connect() {
      const session = await openSession(await get(), parsers)
      if (!arraysReady) {
        try {
          const found = await lookUpArrays(session, options.arrayLookups ?? [])
          types.addArrayParsers(found)
          Object.assign(parsers, parsersFrom(types, found.map((f) => f.oid)))
          arraysReady = true
        } catch (err) {
          session.destroy()
          throw classifyPostgresError(err)
        }
      }
      return session
    },
    async cancel() {
      // One in-process session: a running statement cannot be interrupted; the scope still rolls back after it.
    },
    async readBudget() {
      return { maxConnections: Number.POSITIVE_INFINITY, reserved: 0, usedByOthers: 0 }
    },
    async end() {
      if (owned && instance) await (await instance).close()
      instance = undefined
    },
  }
}
