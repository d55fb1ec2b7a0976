/**
 * A dialect driver whose driver package is imported at the first connection, not when dbscope is loaded: what the
 * engine needs before that (Kysely's compiler and adapter, BEGIN statements, error classification) comes from the
 * dialect's `base.ts`, which imports no driver package.
 *
 * @example
 * const driver = lazyDriver(postgresBase, async () => (await import('./postgres/driver.js')).createPostgresDriver(o))
 */
import type { DialectDriver } from './dialect.js'

/** The parts of a dialect driver that work without its driver package. */
export type DriverBase = Omit<DialectDriver, 'connect' | 'cancel' | 'readBudget' | 'end' | 'promoted'>

/** `base` now, the rest from `load()` at the first connect; a failed load is tried again on the next connect. */
export function lazyDriver(base: DriverBase, load: () => Promise<DialectDriver>): DialectDriver {
  let loading: Promise<DialectDriver> | undefined
  let loaded: DialectDriver | undefined
  const get = () =>
    (loading ??= load().then(
      (driver) => (loaded = driver),
      (err: unknown) => {
        loading = undefined
        throw err
      },
    ))
  return {
    ...base,
    connect: async () => (await get()).connect(),
    cancel: async (conn) => (await get()).cancel(conn),
    readBudget: async (conn, appName) => (await get()).readBudget(conn, appName),
    // PGlite's instance, for db.listen (undefined on the server dialects).
    embedded: async () => (await get()).embedded?.(),
    promoted: () => loaded?.promoted?.() ?? false,
    async end() {
      const driver = await loading?.catch(() => undefined)
      await driver?.end()
    },
  }
}
