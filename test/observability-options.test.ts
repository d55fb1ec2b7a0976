/** defineDb's `log`, `telemetry` and `slowStatementMs` are validated when the db is defined (no server needed). */
import { expect, it } from 'vitest'
import { ConfigError } from '../src/index.js'
import { resolveConfig } from '../src/config.js'

const url = 'postgres://app@127.0.0.1:5432/app'

it('accepts Kysely log levels or a function, a boolean telemetry and a duration', () => {
  const fn = () => undefined
  expect(resolveConfig({ url, log: ['query', 'error'] })).toMatchObject({ log: ['query', 'error'], telemetry: true, slowStatementMs: undefined })
  expect(resolveConfig({ url, log: fn, telemetry: false, slowStatementMs: 250 })).toMatchObject({ log: fn, telemetry: false, slowStatementMs: 250 })
})

it('refuses what Kysely would not take, with a ConfigError that names the option', () => {
  expect(() => resolveConfig({ url, log: ['queries'] as never })).toThrow(ConfigError)
  expect(() => resolveConfig({ url, log: ['queries'] as never })).toThrow(/log takes Kysely's LogConfig/)
  expect(() => resolveConfig({ url, telemetry: 'on' as never })).toThrow(/telemetry is true/)
  expect(() => resolveConfig({ url, slowStatementMs: -1 })).toThrow(/slowStatementMs must be/)
})
