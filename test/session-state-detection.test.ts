/**
 * Which statements mark a connection for a reset (and are refused behind PgBouncer): pure logic on the SQL text,
 * per dialect. What ends with the transaction is not marked, so a scope that changed nothing pays no reset.
 */
import { describe, expect, it } from 'vitest'
import { sessionChange } from '../src/session-state.js'

const POSTGRES_MARKED: readonly [string, string][] = [
  ['SET ROLE app', 'session SET/RESET'],
  ["set application_name = 'x'", 'session SET/RESET'],
  ['SET search_path = a, public', 'session SET/RESET'],
  ['SET SESSION AUTHORIZATION DEFAULT', 'session SET/RESET'],
  ['SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY', 'session SET/RESET'],
  ['  /* c */ RESET ALL', 'session SET/RESET'],
  ['SELECT 1; SET work_mem = 1024', 'session SET/RESET'],
  ["select set_config('app.t', 't1', false)", 'set_config(…, false)'],
  ["SELECT set_config('app.t', 't1', $1)", 'set_config(…, false)'],
  ["SELECT set_config('a', 'x', true), set_config('b', 'y', false)", 'set_config(…, false)'],
  ['CREATE TEMP TABLE t (x int)', 'temporary table'],
  ['CREATE GLOBAL TEMPORARY TABLE t (x int)', 'temporary table'],
  ['CREATE OR REPLACE TEMP VIEW v AS SELECT 1', 'temporary table'],
  ['CREATE TABLE pg_temp.t (x int)', 'temporary table'],
  ['SELECT 1 INTO TEMP t', 'temporary table'],
  ['SELECT pg_advisory_lock(1)', 'session advisory lock'],
  ['SELECT pg_try_advisory_lock_shared(1, 2)', 'session advisory lock'],
  ['LISTEN jobs', 'LISTEN/UNLISTEN'],
  ['PREPARE q AS SELECT 1', 'PREPARE'],
  ['DECLARE c CURSOR WITH HOLD FOR SELECT 1', 'DECLARE … WITH HOLD'],
]

const POSTGRES_UNMARKED: readonly string[] = [
  'select "id" from "users" where "id" = $1',
  'update "users" set "name" = $1 where "id" = $2',
  'SET LOCAL search_path = a',
  'SET TRANSACTION ISOLATION LEVEL SERIALIZABLE',
  'SET CONSTRAINTS ALL DEFERRED',
  "SELECT set_config('app.t', 't1', true)",
  'SELECT set_config($1, $2, true)',
  "SELECT set_config('app.t', 'it''s', TRUE)",
  'CREATE TEMP TABLE t (x int) ON COMMIT DROP',
  'CREATE TABLE temp (x int)',
  'SELECT pg_advisory_xact_lock(1)',
  'SELECT * FROM docs WHERE tags @> $1',
  'PREPARE TRANSACTION \'t1\'',
  'BEGIN ISOLATION LEVEL REPEATABLE READ',
  'DECLARE c CURSOR FOR SELECT 1',
]

const MYSQL_MARKED: readonly [string, string][] = [
  ['SET @v = 42', 'session SET'],
  ["SET SESSION sql_mode = 'ANSI_QUOTES'", 'session SET'],
  ['SET NAMES latin1', 'session SET'],
  ['SET SESSION TRANSACTION ISOLATION LEVEL SERIALIZABLE', 'session SET'],
  ['SELECT @v := 1', 'user variable'],
  ['SELECT id INTO @v FROM t LIMIT 1', 'user variable'],
  ['CALL p(@out)', 'user variable'],
  ["SELECT GET_LOCK('k', 0)", 'GET_LOCK'],
  ['CREATE TEMPORARY TABLE t (x int)', 'temporary table'],
  ['LOCK TABLES t WRITE', 'LOCK TABLES'],
  ["PREPARE s FROM 'SELECT 1'", 'PREPARE'],
]

const MYSQL_UNMARKED: readonly string[] = [
  'select `id` from `users` where `id` = ?',
  'update `users` set `name` = ? where `id` = ?',
  'SET TRANSACTION ISOLATION LEVEL SERIALIZABLE',
  'START TRANSACTION READ ONLY',
  'SET STATEMENT max_statement_time = 1 FOR SELECT 1',
  'SELECT @@sql_mode',
  "SELECT RELEASE_LOCK('k')",
]

describe('session-changing statements', () => {
  it('PostgreSQL and PGlite: each session change is found, named', () => {
    for (const dialect of ['postgres', 'pglite'] as const) {
      for (const [text, name] of POSTGRES_MARKED) expect([text, sessionChange(text, dialect)?.name]).toEqual([text, name])
    }
  })

  it('PostgreSQL and PGlite: what ends with the transaction is not marked', () => {
    for (const text of POSTGRES_UNMARKED) expect([text, sessionChange(text, 'postgres')]).toEqual([text, undefined])
  })

  it('PostgreSQL: what only takes session state away needs no reset (but is found, for the pooler to refuse)', () => {
    for (const text of ['RESET ALL', 'DEALLOCATE ALL', 'UNLISTEN *', 'SELECT pg_advisory_unlock_all()']) {
      expect([text, sessionChange(text, 'postgres')?.undo]).toEqual([text, 'none'])
    }
    expect(sessionChange('UNLISTEN a; LISTEN b', 'postgres')?.undo).toBe('reset')
  })

  it('MySQL: each session change is found, named; USE needs a new connection', () => {
    for (const [text, name] of MYSQL_MARKED) expect([text, sessionChange(text, 'mysql')?.name]).toEqual([text, name])
    expect(sessionChange('USE other', 'mysql')).toMatchObject({ name: 'USE', undo: 'discard' })
    expect(sessionChange('SET @v = 1', 'mysql')?.undo).toBe('reset')
  })

  it('MySQL: what ends with the transaction (or reads only) is not marked', () => {
    for (const text of MYSQL_UNMARKED) expect([text, sessionChange(text, 'mysql')]).toEqual([text, undefined])
  })
})
