/**
 * A scope's session context: the `settings` and `role` it runs with, as the outer scope's merged with its own. The
 * scope layer computes what to send when a scope starts and what to send back when a nested one ends; the dialect
 * (src/dialects/session-context.ts) says how.
 *
 * @example
 * const outer = contextOf({ settings: { 'app.tenant_id': 7 }, role: 'tenant_user' }, 'db.scope')
 * const inner = mergeContext(outer, contextOf({ settings: { search_path: 'tenant_7' } }, 'db.scope'))
 * changesBetween(outer, inner) // { settings: [['search_path', 'tenant_7']], role: undefined }
 */
import type { SettingChange } from '../dialects/session-context.js'
import { ConfigError, QueryError } from '../errors.js'

/** The settings and role a scope runs with. */
export interface ScopeContext {
  readonly settings: ReadonlyMap<string, string>
  readonly role: string | undefined
}

/** What the options `settings` and `role` take. */
export interface ContextOptions {
  /**
   * Settings for the scope's duration: PostgreSQL `set_config(name, value, true)` (any server parameter such as
   * `search_path`, or a dotted name of your own such as `app.tenant_id`); MySQL user variables `@\`name\``.
   */
  readonly settings?: Readonly<Record<string, string | number | boolean | bigint>>
  /** The role the scope's statements run as: PostgreSQL `SET LOCAL ROLE`, MySQL `SET ROLE`. */
  readonly role?: string
}

/** The scope's own context from its options (undefined without `settings` and `role`); ConfigError when malformed. */
export function contextOf(opts: ContextOptions, where: string): ScopeContext | undefined {
  const { settings, role } = opts
  if (settings === undefined && role === undefined) return undefined
  if (role !== undefined && (typeof role !== 'string' || role === '' || role.includes('\0'))) {
    throw new ConfigError(`${where}: role must be a non-empty role name, got ${JSON.stringify(role) ?? String(role)}.`)
  }
  const map = new Map<string, string>()
  if (settings !== undefined) {
    if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) {
      throw new ConfigError(`${where}: settings must be an object such as { 'app.tenant_id': '42' }, got ${String(settings)}.`)
    }
    for (const [name, value] of Object.entries(settings)) {
      if (name === '' || name.includes('\0')) throw new ConfigError(`${where}: a setting name must be a non-empty string without NUL.`)
      const kind = typeof value
      if (kind !== 'string' && kind !== 'number' && kind !== 'boolean' && kind !== 'bigint') {
        throw new ConfigError(`${where}: setting ${JSON.stringify(name)} must be a string, number or boolean, got ${value === null ? 'null' : kind}.`)
      }
      map.set(name, String(value))
    }
  }
  return { settings: map, role }
}

/** The context of a scope nested in one with `outer`: the outer's, with the inner's own added or overriding. */
export function mergeContext(outer: ScopeContext | undefined, own: ScopeContext | undefined): ScopeContext | undefined {
  if (!outer || !own) return own ?? outer
  return { settings: new Map([...outer.settings, ...own.settings]), role: own.role ?? outer.role }
}

/** What to send to go from `from` to `to`: the settings that differ (null: back to the default) and the role. */
export function changesBetween(
  from: ScopeContext | undefined,
  to: ScopeContext | undefined,
): { settings: SettingChange[]; role: string | null | undefined } {
  const settings: SettingChange[] = []
  for (const [name, value] of to?.settings ?? []) if (from?.settings.get(name) !== value) settings.push([name, value])
  for (const name of from?.settings.keys() ?? []) if (!to?.settings.has(name)) settings.push([name, null])
  const role = from?.role === to?.role ? undefined : (to?.role ?? null)
  return { settings, role }
}

/** Whether a scope running with `ctx` already has every setting and the role of `bound`. */
export function covers(ctx: ScopeContext | undefined, bound: ScopeContext): boolean {
  if (bound.role !== undefined && ctx?.role !== bound.role) return false
  for (const [name, value] of bound.settings) if (ctx?.settings.get(name) !== value) return false
  return true
}

/**
 * PostgreSQL's answer to a setting name it does not know (a name without a dot that is no server parameter) or
 * cannot take, as a ConfigError; any other error as it is.
 */
export function settingError(err: unknown, ctx: ScopeContext): unknown {
  if (!(err instanceof QueryError) || (err.sqlState !== '42704' && err.sqlState !== '42602')) return err
  const name = [...ctx.settings.keys()].find((n) => err.message.includes(`"${n}"`))
  if (name === undefined || !/configuration parameter/.test(err.message)) return err
  return new ConfigError(
    `Setting ${JSON.stringify(name)} is not a PostgreSQL parameter. A name without a dot must be one the server knows ` +
      "(search_path, statement_timeout, …); name your own with a dot, such as 'app.tenant_id'.",
    { cause: err },
  )
}
