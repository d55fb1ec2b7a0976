/**
 * The driver packages each dialect needs. They are optional peer dependencies: an application installs the one it
 * uses, and dbscope imports it at the first connection. A missing one becomes a ConfigError naming the install command.
 *
 * @example
 * const { createPostgresDriver } = await loadDriver('postgres', () => import('./postgres/driver.js'))
 */
import { ConfigError } from '../errors.js'
import type { DialectName } from '../types/dialect-name.js'

/** What a dialect needs installed, and how to say so. */
export interface DriverPackage {
  /** The npm packages imported for this dialect. */
  readonly packages: readonly string[]
  /** What needs them and why, as the start of a sentence. */
  readonly need: string
  /** The command that installs them. */
  readonly install: string
}

/** The driver packages per dialect (PGlite reuses pg's value parsers, so it needs pg too). */
export const DRIVER_PACKAGES: Readonly<Record<DialectName, DriverPackage>> = {
  postgres: { packages: ['pg'], need: 'PostgreSQL URLs need the pg driver', install: 'npm install pg' },
  mysql: { packages: ['mysql2'], need: 'MySQL and MariaDB URLs need the mysql2 driver', install: 'npm install mysql2' },
  pglite: {
    packages: ['@electric-sql/pglite', 'pg'],
    need: 'PGlite needs @electric-sql/pglite, and pg for its value parsers',
    install: 'npm install @electric-sql/pglite pg',
  },
}

/** The message for a dialect whose driver package is not installed. */
export function missingDriverMessage(dialect: DialectName): string {
  const p = DRIVER_PACKAGES[dialect]
  return `${p.need}: ${p.install}`
}

/** Whether `err` says that one of `packages` itself (not something inside it) could not be found. */
export function isMissingPackage(err: unknown, packages: readonly string[]): boolean {
  const e = err as { code?: unknown; message?: unknown } | null
  if (e?.code !== 'ERR_MODULE_NOT_FOUND' && e?.code !== 'MODULE_NOT_FOUND') return false
  const message = String(e.message ?? '')
  // ESM: "Cannot find package 'pg' imported from …"; CommonJS: "Cannot find module 'pg'".
  return packages.some((name) => message.includes(`'${name}'`))
}

/** Runs `load` (a dynamic import of the dialect's driver); a missing driver package becomes a ConfigError. */
export async function loadDriver<T>(dialect: DialectName, load: () => Promise<T>): Promise<T> {
  try {
    return await load()
  } catch (err) {
    if (isMissingPackage(err, DRIVER_PACKAGES[dialect].packages)) throw new ConfigError(`${missingDriverMessage(dialect)}.`, { cause: err })
    throw err
  }
}
