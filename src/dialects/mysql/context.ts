/**
 * A scope's settings and role on MySQL/MariaDB, which have no transaction-local variables: settings become user
 * variables (`@\`app.tenant_id\``, names quoted), the role `SET ROLE`. Both last for the session, so the scope resets
 * them (to NULL, and SET ROLE NONE) before the connection goes back to the pool.
 *
 * @example
 * mysqlSessionContext.statements([['app.tenant_id', '42']], 'tenant_user')
 * // SET @`app.tenant_id` = ?  ['42'];  SET ROLE `tenant_user`
 */
import { CompiledQuery } from 'kysely'
import type { SessionContextSql, SettingChange } from '../session-context.js'

/** `name` as a backquoted identifier. */
export function quoteMysqlIdentifier(name: string): string {
  return `\`${name.replaceAll('`', '``')}\``
}

/** A `SET` of user variables as `statements` writes it: only quoted names and `?` values. */
const USER_VARIABLES = /^SET @`(?:[^`]|``)+` = \?(?:, @`(?:[^`]|``)+` = \?)*$/

/** Whether `sql` only sets user variables, which a live connection cannot refuse. */
export function isUserVariableSet(sql: string): boolean {
  return USER_VARIABLES.test(sql)
}

export const mysqlSessionContext: SessionContextSql = {
  lifetime: 'session',
  statements(settings: readonly SettingChange[], role: string | null | undefined): CompiledQuery[] {
    const out: CompiledQuery[] = []
    if (settings.length > 0) {
      const sets = settings.map(([name]) => `@${quoteMysqlIdentifier(name)} = ?`)
      out.push(CompiledQuery.raw(`SET ${sets.join(', ')}`, settings.map(([, value]) => value)))
    }
    if (role === null) out.push(CompiledQuery.raw('SET ROLE NONE'))
    else if (role !== undefined) out.push(CompiledQuery.raw(`SET ROLE ${quoteMysqlIdentifier(role)}`))
    return out
  },
  travelsWithBegin: (statement) => isUserVariableSet(statement.sql),
}
