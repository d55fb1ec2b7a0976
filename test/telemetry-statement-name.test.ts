/** The span name and the operation/table attributes, read from Kysely's compiled query (no server needed). */
import { CompiledQuery, DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, sql } from 'kysely'
import { expect, it } from 'vitest'
import { firstKeyword, spanName, statementName } from '../src/telemetry/statement-name.js'

interface DB {
  users: { id: number; name: string }
  'audit.log': { id: number }
}

const db = new Kysely<DB>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (k) => new PostgresIntrospector(k),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
})

it('reads the operation and the table of each kind of query builder', () => {
  expect(statementName(db.selectFrom('users').selectAll().compile())).toEqual({ operation: 'SELECT', collection: 'users' })
  expect(statementName(db.selectFrom('users as u').selectAll().compile())).toEqual({ operation: 'SELECT', collection: 'users' })
  expect(statementName(db.insertInto('users').values({ id: 1, name: 'a' }).compile())).toEqual({ operation: 'INSERT', collection: 'users' })
  expect(statementName(db.updateTable('users').set({ name: 'b' }).compile())).toEqual({ operation: 'UPDATE', collection: 'users' })
  expect(statementName(db.deleteFrom('users').compile())).toEqual({ operation: 'DELETE', collection: 'users' })
  expect(statementName(db.selectFrom('audit.log').selectAll().compile())).toEqual({ operation: 'SELECT', collection: 'audit.log' })
  expect(statementName(db.selectNoFrom((eb) => eb.val(1).as('one')).compile())).toEqual({ operation: 'SELECT', collection: undefined })
})

it('takes the first keyword of raw SQL, past a leading comment', () => {
  expect(statementName(CompiledQuery.raw('COMMIT'))).toEqual({ operation: 'COMMIT', collection: undefined })
  expect(statementName(sql`select ${1}`.compile(db))).toEqual({ operation: 'SELECT', collection: undefined })
  expect(firstKeyword('  /* app */ with x as (select 1) select * from x')).toBe('WITH')
  expect(firstKeyword('(select 1)')).toBeUndefined()
})

it('names the span {operation} {table}, {operation}, or the system', () => {
  expect(spanName({ operation: 'SELECT', collection: 'users' }, 'postgresql')).toBe('SELECT users')
  expect(spanName({ operation: 'COMMIT', collection: undefined }, 'postgresql')).toBe('COMMIT')
  expect(spanName({ operation: undefined, collection: undefined }, 'mysql')).toBe('mysql')
})
