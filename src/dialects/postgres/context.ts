/**
 * A scope's settings and role on PostgreSQL (and PGlite): transaction-local, so they end with the transaction and are
 * safe behind PgBouncer in transaction mode. Names and values travel as parameters; the role is quoted as an
 * identifier (SET ROLE takes no parameter).
 *
 * @example
 * postgresSessionContext.statements([['app.tenant_id', "'; drop table t"]], 'Tenant "A"')
 * // SELECT set_config($1, $2, true)   and   SET LOCAL ROLE "Tenant ""A"""
 */
import { CompiledQuery } from 'kysely'
import type { SessionContextSql, SettingChange } from '../session-context.js'

/** `name` as a double-quoted identifier. */
export function quotePgIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

export const postgresSessionContext: SessionContextSql = {
  lifetime: 'transaction',
  statements(settings: readonly SettingChange[], role: string | null | undefined): CompiledQuery[] {
    const out: CompiledQuery[] = []
    if (settings.length > 0) {
      // set_config(name, NULL, true) is SET LOCAL name TO DEFAULT: back to the session's value.
      const calls = settings.map((_, i) => `set_config($${2 * i + 1}, $${2 * i + 2}, true)`)
      out.push(CompiledQuery.raw(`SELECT ${calls.join(', ')}`, settings.flat()))
    }
    if (role === null) out.push(CompiledQuery.raw('SET LOCAL ROLE NONE'))
    else if (role !== undefined) out.push(CompiledQuery.raw(`SET LOCAL ROLE ${quotePgIdentifier(role)}`))
    return out
  },
}
