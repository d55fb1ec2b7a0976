/** The statements that open a transaction, per dialect and settings. */
import type { TransactionSettings } from 'kysely'
import type { DialectName } from '../types/dialect-name.js'

/**
 * PostgreSQL puts every setting on BEGIN (one statement). MySQL needs `SET TRANSACTION ISOLATION LEVEL …` before
 * `START TRANSACTION`, so it may return two.
 */
export function beginStatements(dialect: DialectName, s: TransactionSettings): readonly string[] {
  const isolation = s.isolationLevel ? `ISOLATION LEVEL ${s.isolationLevel.toUpperCase()}` : undefined
  const access = s.accessMode ? s.accessMode.toUpperCase() : undefined
  if (dialect === 'mysql') {
    const start = access ? `START TRANSACTION ${access}` : 'START TRANSACTION'
    return isolation ? [`SET TRANSACTION ${isolation}`, start] : [start]
  }
  const parts = [isolation, access].filter((p): p is string => p !== undefined)
  return [parts.length > 0 ? `BEGIN ${parts.join(', ')}` : 'BEGIN']
}
