/**
 * defineDb's observability options validated: `log` (Kysely's LogConfig), `telemetry` and `slowStatementMs`.
 *
 * @example
 * observabilityOptions({ log: ['error'], slowStatementMs: 500 }) // { log: ['error'], telemetry: true, slowStatementMs: 500 }
 */
import { LOG_LEVELS } from 'kysely'
import type { DbConfig, ResolvedConfig } from '../config.js'
import { ConfigError } from '../errors.js'

/** `log`, `telemetry` and `slowStatementMs`, validated. */
export function observabilityOptions(config: DbConfig): Pick<ResolvedConfig, 'log' | 'telemetry' | 'slowStatementMs'> {
  const { log, telemetry = true, slowStatementMs } = config
  if (log !== undefined && typeof log !== 'function' && !(Array.isArray(log) && log.every((l) => LOG_LEVELS.includes(l)))) {
    throw new ConfigError(`log takes Kysely's LogConfig: ['query', 'error'] (or either), or a function receiving each LogEvent; got ${JSON.stringify(log)}.`)
  }
  if (typeof telemetry !== 'boolean') throw new ConfigError(`telemetry is true (the default) or false, got ${JSON.stringify(telemetry)}.`)
  if (slowStatementMs !== undefined && (typeof slowStatementMs !== 'number' || !(slowStatementMs >= 0))) {
    throw new ConfigError(`slowStatementMs must be a number of milliseconds ≥ 0, got ${String(slowStatementMs)}.`)
  }
  return { log, telemetry, slowStatementMs }
}
