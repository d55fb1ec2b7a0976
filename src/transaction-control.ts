/**
 * Statements that open or end a transaction by themselves, which dbscope refuses from the application (its own
 * BEGIN, COMMIT, savepoints and Kysely's `transaction()` are sent as dbscope's own and never checked). Through
 * `db.kysely`, a `BEGIN` would leave its pooled connection inside a transaction that later statements join and nobody
 * commits; inside a scope, a `COMMIT` would commit part of the scope's work before the scope decides. Only the start
 * of the text is read, so a `BEGIN … END` inside a `DO` block or a function body is not mistaken for one.
 *
 * @example
 * transactionControl('BEGIN', 'postgres') // 'BEGIN'
 * transactionControl('ROLLBACK TO SAVEPOINT a', 'postgres') // undefined: stays inside the transaction
 */
import { TransactionControlError } from './errors.js'
import type { DialectName } from './types/dialect-name.js'

// Whitespace and comments before the first keyword.
const LEAD = String.raw`^(?:\s|--[^\n]*\n|/\*[\s\S]*?\*/)*`

const POSTGRES = new RegExp(
  LEAD +
    String.raw`(BEGIN|START\s+TRANSACTION|COMMIT(?!\s+PREPARED\b)|END|ABORT|ROLLBACK(?!\s+(?:(?:WORK|TRANSACTION)\s+)?(?:TO|PREPARED)\b)|PREPARE\s+TRANSACTION)\b`,
  'i',
)

// MariaDB's `BEGIN NOT ATOMIC … END` is a compound statement, not a transaction.
const MYSQL = new RegExp(
  LEAD +
    String.raw`(BEGIN(?!\s+NOT\s+ATOMIC\b)|START\s+TRANSACTION|COMMIT|ROLLBACK(?!\s+(?:WORK\s+)?TO\b)|XA\s+(?:START|BEGIN|END|PREPARE|COMMIT|ROLLBACK))\b`,
  'i',
)

/** The transaction statement `sql` starts with (upper-cased, spaces collapsed), or undefined. */
export function transactionControl(sql: string, dialect: DialectName): string | undefined {
  const m = (dialect === 'mysql' ? MYSQL : POSTGRES).exec(sql)
  return m ? m[1]!.toUpperCase().replace(/\s+/g, ' ') : undefined
}

/** The refusal of an application's transaction statement: what to use instead. */
export function transactionControlError(keyword: string): TransactionControlError {
  return new TransactionControlError(
    `${keyword} was not sent: dbscope opens and ends transactions itself. ` +
      'Use db.scope(async (tx) => …), or db.kysely.transaction() / startTransaction(), and tx.savepoint() inside one.',
  )
}
