/**
 * How a dialect applies a scope's `settings` and `role`: the statements, and whether they last for the transaction
 * (PostgreSQL: set_config(…, true) and SET LOCAL ROLE) or for the session (MySQL: user variables and SET ROLE, which
 * dbscope resets before the connection goes back to the pool).
 *
 * @example
 * driver.sessionContext.statements([['app.tenant_id', '42']], 'tenant_user')
 * // PostgreSQL: SELECT set_config($1, $2, true)  ['app.tenant_id', '42'];  SET LOCAL ROLE "tenant_user"
 */
import type { CompiledQuery } from 'kysely'

/** A setting to apply: its name and value, or null for "back to what it was before any scope set it". */
export type SettingChange = readonly [name: string, value: string | null]

export interface SessionContextSql {
  /** `'transaction'`: gone at COMMIT/ROLLBACK. `'session'`: stays on the connection until reset. */
  readonly lifetime: 'transaction' | 'session'
  /** Statements that set `settings` and the role (a name; null: no role; undefined: leave it). Values are parameters. */
  statements(settings: readonly SettingChange[], role: string | null | undefined): CompiledQuery[]
  /**
   * Whether one of those statements cannot fail on a live connection, so that it may travel with BEGIN and the
   * scope's first statement instead of being answered first (MySQL's user variables; not SET ROLE).
   */
  travelsWithBegin?(statement: CompiledQuery): boolean
}
