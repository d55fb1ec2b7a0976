/**
 * defineDb's observability options validated: `log` (Kysely's LogConfig), `telemetry` and `slowStatementMs`.
 *
 * @example
 * observabilityOptions({ log: ['error'], slowStatementMs: 500 }) // { log: ['error'], telemetry: true, slowStatementMs: 500 }
 */
import { LOG_LEVELS, type LogConfig } from 'kysely'
import { ConfigError } from '../errors.js'

/** defineDb's observability options (part of DbConfig). */
export interface ObservabilityConfig {
  /**
   * Kysely's `LogConfig`, for every statement of this db (BEGIN and COMMIT, replicas included).
   *
   * @example
   * defineDb({ url, log: (e) => e.level === 'error' && console.error(e.query.sql, e.error) })
   */
  readonly log?: LogConfig
  /** OpenTelemetry spans and metrics when `@opentelemetry/api` is installed and an SDK registered; `false`: off. */
  readonly telemetry?: boolean
  /**
   * A statement slower than this (ms) is reported once through `logger.warn`: its SQL, duration and scope, never
   * its values.
   *
   * @example
   * defineDb({ url, slowStatementMs: 500 })
   */
  readonly slowStatementMs?: number
}

export interface ResolvedObservability {
  readonly log: LogConfig | undefined
  /** Spans and metrics when an OpenTelemetry SDK is registered. */
  readonly telemetry: boolean
  readonly slowStatementMs: number | undefined
}

/** `log`, `telemetry` and `slowStatementMs`, validated. */
export function observabilityOptions(config: ObservabilityConfig): ResolvedObservability {
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
