/**
 * Errors keep what the driver said: a query error carries the driver's own fields (node-postgres: detail, table,
 * column, constraint, …; mysql2: errno, sqlMessage) beside dbscope's stable `code`, so code ported from the driver
 * (`err.code === '23505'` → `err.sqlState === '23505'`, `err.detail`) keeps working.
 */
import { expect, it } from 'vitest'
import { sql } from 'kysely'
import { NotNullViolationError, QueryError, UniqueViolationError } from '../src/index.js'
import { describeTargets } from './support/targets.js'

async function failure(p: Promise<unknown>): Promise<QueryError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(QueryError)
  return err as QueryError
}

describeTargets(
  'errors keep the PostgreSQL driver fields',
  (t) => {
    it('a unique violation has sqlState, detail, schema, table and constraint', async () => {
      const table = `uv_${Math.random().toString(36).slice(2, 8)}`
      await t.exec(`create table ${table} (id int primary key, email text constraint ${table}_email_key unique)`)
      const db = t.db()
      await db.kysely.insertInto(table as any).values({ id: 1, email: 'a@example.com' } as any).execute()
      const err = await failure(db.scope((tx) => tx.insertInto(table as any).values({ id: 2, email: 'a@example.com' } as any).execute()))
      expect(err).toBeInstanceOf(UniqueViolationError)
      expect(err.code).toBe('UNIQUE_VIOLATION')
      expect(err.sqlState).toBe('23505')
      expect(err.detail).toBe('Key (email)=(a@example.com) already exists.')
      expect(err.schema).toBe('public')
      expect(err.table).toBe(table)
      expect(err.constraint).toBe(`${table}_email_key`)
      expect(err.severity).toBe('ERROR')
      expect(err.errno).toBeUndefined()
    })

    it('a not-null violation names its column; a syntax error has its position', async () => {
      const table = `nn_${Math.random().toString(36).slice(2, 8)}`
      await t.exec(`create table ${table} (id int primary key, name text not null)`)
      const db = t.db()
      const nn = await failure(db.kysely.insertInto(table as any).values({ id: 1, name: null } as any).execute())
      expect(nn).toBeInstanceOf(NotNullViolationError)
      expect(nn.column).toBe('name')
      expect(nn.table).toBe(table)
      const syntax = await failure(sql`select 1 frm ${sql.table(table)}`.execute(db.kysely))
      expect(syntax.code).toBe('QUERY_FAILED')
      expect(syntax.sqlState).toBe('42601')
      expect(syntax.position).toBe('14')
    })

    it('a domain check failure names its data type, and a hint comes through', async () => {
      const suffix = Math.random().toString(36).slice(2, 8)
      await t.exec(`create domain pos_${suffix} as int check (value > 0)`)
      await t.exec(`create table dt_${suffix} (v pos_${suffix})`)
      const db = t.db()
      const err = await failure(sql`insert into ${sql.table(`dt_${suffix}`)} (v) values (-1)`.execute(db.kysely))
      expect(err.sqlState).toBe('23514')
      expect(err.dataType).toBe(`pos_${suffix}`)
      const hinted = await failure(sql`select ${sql.raw('no_such_fn_' + suffix)}(1::int)`.execute(db.kysely))
      expect(hinted.sqlState).toBe('42883')
      expect(hinted.hint).toMatch(/explicit type casts/)
    })
  },
  ['postgres', 'pglite', 'pgbouncer'],
)

describeTargets(
  'errors keep the mysql2 driver fields',
  (t) => {
    it('a duplicate key has errno 1062 and the server message', async () => {
      const table = `uv_${Math.random().toString(36).slice(2, 8)}`
      await t.exec(`create table ${table} (id int primary key, email varchar(100) unique)`)
      const db = t.db()
      await db.kysely.insertInto(table as any).values({ id: 1, email: 'a@example.com' } as any).execute()
      const err = await failure(db.scope((tx) => tx.insertInto(table as any).values({ id: 2, email: 'a@example.com' } as any).execute()))
      expect(err).toBeInstanceOf(UniqueViolationError)
      expect(err.errno).toBe(1062)
      expect(err.sqlState).toBe('1062')
      expect(err.sqlMessage).toMatch(/^Duplicate entry 'a@example.com' for key/)
      expect(err.detail).toBeUndefined()
    })
  },
  ['mysql'],
)
