/**
 * Which statements open or end a transaction by themselves (transaction-control.ts): read from the start of the text
 * only, per dialect, and not the ones that stay inside a transaction (savepoints) or are not transactions at all
 * (a DO block's BEGIN … END, MariaDB's BEGIN NOT ATOMIC, COMMIT PREPARED).
 */
import { expect, it } from 'vitest'
import { transactionControl } from '../src/transaction-control.js'

const POSTGRES: readonly [string, string | undefined][] = [
  ['BEGIN', 'BEGIN'],
  ['begin isolation level serializable', 'BEGIN'],
  ['  /* c */ -- line\n START   TRANSACTION READ ONLY', 'START TRANSACTION'],
  ['COMMIT', 'COMMIT'],
  ['END', 'END'],
  ['ABORT', 'ABORT'],
  ['ROLLBACK', 'ROLLBACK'],
  ['rollback work', 'ROLLBACK'],
  ["PREPARE TRANSACTION 'x'", 'PREPARE TRANSACTION'],
  ['ROLLBACK TO SAVEPOINT a', undefined],
  ['ROLLBACK WORK TO a', undefined],
  ['ROLLBACK TRANSACTION TO SAVEPOINT a', undefined],
  ["COMMIT PREPARED 'x'", undefined],
  ["ROLLBACK PREPARED 'x'", undefined],
  ['SAVEPOINT a', undefined],
  ['RELEASE SAVEPOINT a', undefined],
  ['DO $$ BEGIN PERFORM 1; END $$', undefined],
  ['SELECT 1; COMMIT', undefined],
  ['SELECT begin FROM t', undefined],
  ['BEGINNING', undefined],
  ['PREPARE q AS SELECT 1', undefined],
]

const MYSQL: readonly [string, string | undefined][] = [
  ['BEGIN', 'BEGIN'],
  ['BEGIN WORK', 'BEGIN'],
  ['START TRANSACTION WITH CONSISTENT SNAPSHOT', 'START TRANSACTION'],
  ['COMMIT', 'COMMIT'],
  ['ROLLBACK', 'ROLLBACK'],
  ["XA START 'x'", 'XA START'],
  ["xa   begin 'x'", 'XA BEGIN'],
  ["XA END 'x'", 'XA END'],
  ["XA COMMIT 'x' ONE PHASE", 'XA COMMIT'],
  ['XA RECOVER', undefined],
  ['ROLLBACK TO SAVEPOINT a', undefined],
  ['ROLLBACK WORK TO a', undefined],
  ['BEGIN NOT ATOMIC SELECT 1; END', undefined],
  ['END', undefined],
  ['SELECT 1', undefined],
]

it.each(POSTGRES)('PostgreSQL: %j → %s', (sql, expected) => {
  expect(transactionControl(sql, 'postgres')).toBe(expected)
  expect(transactionControl(sql, 'pglite')).toBe(expected)
})

it.each(MYSQL)('MySQL: %j → %s', (sql, expected) => {
  expect(transactionControl(sql, 'mysql')).toBe(expected)
})
