/**
 * Which statements change the state of their session beyond the transaction: a setting, a role, a temporary table,
 * a session lock, a LISTEN, a prepared statement, a user variable. Read from the SQL text of every statement, with
 * one regular expression per dialect (a few hundred nanoseconds, and only a statement that matches pays more).
 *
 * The engine uses it twice. A connection that ran one is reset before the pool hands it out again (PostgreSQL and
 * PGlite: DISCARD ALL; MySQL: COM_RESET_CONNECTION), or closed when a reset cannot undo it (MySQL's USE). Behind
 * `pooler: 'pgbouncer'` every one of them is refused before it is sent (see pooler.ts), since no reset can reach the
 * other clients' transactions it would leak into.
 *
 * Not detected: a server function or procedure that changes session state inside its body (a PL/pgSQL function
 * calling set_config(…, false) or pg_advisory_lock(), a MySQL procedure setting a user variable), a `DO` block, and
 * `currval`/`lastval` or `LAST_INSERT_ID()`, which every INSERT into a sequence-backed table sets.
 *
 * @example
 * sessionChange("SET search_path = app", 'postgres')?.name // 'session SET/RESET'
 * sessionChange("SET LOCAL search_path = app", 'postgres') // undefined: ends with the transaction
 */
import type { DialectName } from './types/dialect-name.js'

export interface SessionRule {
  readonly name: string
  readonly pattern: RegExp
  /** Why it outlives the transaction (said when a pooler refuses it). */
  readonly why: string
  /** The transaction-local form, or what to do instead. */
  readonly instead: string
  /**
   * 'reset': a reset undoes it; 'discard': only a new connection does (the old one is closed); 'none': it only takes
   * session state away (DEALLOCATE, RESET, UNLISTEN, an unlock), so the connection needs nothing — but behind a
   * pooler it would act on another client's server connection, so it is refused there all the same.
   */
  readonly undo: Undo
}

type Undo = 'reset' | 'discard' | 'none'

// A statement start: the beginning of the text or after a ';', then whitespace and comments.
const START = String.raw`(?:^|;)(?:\s|--[^\n]*\n|/\*[\s\S]*?\*/)*`
// One argument of a function call without nested calls: quoted strings and anything but , ( ) '.
const ARG = String.raw`(?:'[^']*'|[^,()'])*`

const rule = (name: string, source: string, why: string, instead: string, undo: Undo = 'reset'): SessionRule => ({
  name,
  pattern: new RegExp(source, 'i'),
  why,
  instead,
  undo,
})

const SET_WHY = "a session setting (SET, SET ROLE, SET SESSION AUTHORIZATION) stays on the connection and leaks into other clients' transactions"
const SET_INSTEAD = 'use SET LOCAL inside db.scope() (or set_config(name, value, true)), or ALTER ROLE … SET for a default'
const LOCK_WHY = 'a session-level advisory lock stays on the server connection after the transaction, where another client gets it next'
const LOCK_INSTEAD = 'use pg_advisory_xact_lock() / pg_try_advisory_xact_lock() inside db.scope(), released at commit or rollback'
const LISTEN_WHY = 'notifications are delivered to a server connection, which the pooler hands to other clients between transactions'
const LISTEN_INSTEAD = 'open a direct connection to PostgreSQL (not through PgBouncer) for LISTEN'
const PREPARE_WHY = 'a named prepared statement lives on one server connection; the next EXECUTE may run on another'
const PREPARE_INSTEAD = 'send parameterised queries through Kysely (unnamed statements) instead of PREPARE/EXECUTE'

/** PostgreSQL and PGlite. */
const POSTGRES: readonly SessionRule[] = [
  rule(
    'session SET/RESET',
    `${START}SET(?!\\s+(?:LOCAL|TRANSACTION|CONSTRAINTS)\\b)\\b`,
    SET_WHY,
    SET_INSTEAD,
  ),
  rule(
    'set_config(…, false)',
    `\\bset_config\\s*\\((?!${ARG},${ARG},\\s*'?true'?\\s*\\))`,
    "set_config() with is_local false (or not the literal true) sets the value for the session, which leaks into other clients' transactions",
    'use set_config(name, value, true) inside db.scope(), with the third argument the literal true: transaction-local',
  ),
  rule(
    'temporary table',
    `${START}CREATE\\s+(?:OR\\s+REPLACE\\s+)?(?:(?:GLOBAL|LOCAL)\\s+)?(?:TEMP|TEMPORARY)\\s(?![^;]*\\bON\\s+COMMIT\\s+DROP\\b)|${START}CREATE\\b[^;]*?\\bpg_temp\\s*\\.|\\bINTO\\s+(?:TEMP|TEMPORARY)\\s`,
    'a temporary object lives as long as the session, where another client finds it',
    'use CREATE TEMP TABLE … ON COMMIT DROP inside db.scope(): dropped at commit or rollback',
  ),
  rule('session advisory lock', String.raw`\bpg_(?:try_)?advisory_lock(?:_shared)?\s*\(`, LOCK_WHY, LOCK_INSTEAD),
  rule('LISTEN/UNLISTEN', `${START}LISTEN\\b`, LISTEN_WHY, LISTEN_INSTEAD),
  rule('PREPARE', `${START}PREPARE(?!\\s+TRANSACTION\\b)\\b`, PREPARE_WHY, PREPARE_INSTEAD),
  rule(
    'DECLARE … WITH HOLD',
    `${START}DECLARE\\b[^;]*\\bWITH\\s+HOLD\\b`,
    'a holdable cursor outlives its transaction on a server connection the pooler gives away',
    'declare the cursor WITHOUT HOLD and read it inside one db.scope(), or page with keyset queries',
  ),
  // What only takes session state away: nothing to reset, but refused behind a pooler.
  rule('session SET/RESET', `${START}RESET\\b`, SET_WHY, SET_INSTEAD, 'none'),
  rule('session advisory lock', String.raw`\bpg_advisory_unlock(?:_shared|_all)?\s*\(`, LOCK_WHY, LOCK_INSTEAD, 'none'),
  rule('LISTEN/UNLISTEN', `${START}UNLISTEN\\b`, LISTEN_WHY, LISTEN_INSTEAD, 'none'),
  rule('PREPARE', `${START}DEALLOCATE\\b`, PREPARE_WHY, PREPARE_INSTEAD, 'none'),
]

/** MySQL and MariaDB. */
const MYSQL: readonly SessionRule[] = [
  rule(
    'session SET',
    `${START}SET(?!\\s+(?:TRANSACTION|STATEMENT)\\b)\\b`,
    'a session or user variable (SET @v, SET SESSION …, SET NAMES) stays on the connection',
    'use SET STATEMENT … FOR (MariaDB) for one statement',
  ),
  rule(
    'user variable',
    String.raw`:=|\bINTO\s+@|\bCALL\b[^;]*@`,
    'a user variable stays on the connection',
    'keep the value in the application',
  ),
  rule('GET_LOCK', String.raw`\bGET_LOCK\s*\(`, 'a named lock is held by the session', 'release it with RELEASE_LOCK() in the same scope'),
  rule(
    'temporary table',
    `${START}CREATE\\s+(?:OR\\s+REPLACE\\s+)?TEMPORARY\\b`,
    'a temporary table lives as long as the session',
    'drop it in the same scope',
  ),
  rule('LOCK TABLES', `${START}LOCK\\s+TABLES?\\b`, 'table locks are held by the session', 'use SELECT … FOR UPDATE inside db.scope()'),
  rule('PREPARE', `${START}PREPARE\\b`, 'a prepared statement lives on the connection', 'send parameterised queries through Kysely'),
  rule('USE', `${START}USE\\b`, 'the default database is a session setting that a reset keeps', 'name the database in the URL', 'discard'),
]

interface Rules {
  /** All rules of the dialect as one pattern: the test every statement pays. */
  readonly any: RegExp
  readonly rules: readonly SessionRule[]
}

const STRENGTH: Record<Undo, number> = { discard: 0, reset: 1, none: 2 }

/** The strongest undo first, so that the first rule a statement matches says what its connection needs. */
const combine = (rules: readonly SessionRule[]): Rules => ({
  any: new RegExp(rules.map((r) => `(?:${r.pattern.source})`).join('|'), 'i'),
  rules: [...rules].sort((a, b) => STRENGTH[a.undo] - STRENGTH[b.undo]),
})

const BY_DIALECT: Record<DialectName, Rules> = { postgres: combine(POSTGRES), pglite: combine(POSTGRES), mysql: combine(MYSQL) }

/** The first session-changing construct in `sql` on `dialect`, or undefined for a statement that leaves none. */
export function sessionChange(sql: string, dialect: DialectName): SessionRule | undefined {
  const set = BY_DIALECT[dialect]
  if (!set.any.test(sql)) return undefined
  return set.rules.find((r) => r.pattern.test(sql))
}
