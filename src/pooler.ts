/**
 * What a transaction pooler (PgBouncer, `pool_mode = transaction`) cannot do, checked on the SQL text only when
 * `pooler` is set: a session feature would silently land on whichever server connection runs the next transaction.
 *
 * Named prepared statements need no check here: with `pooler` set, the statement cache is off by default, so dbscope
 * sends every statement unnamed (pg's extended protocol with an empty statement name), which PgBouncer passes through
 * in transaction mode (`statementCache` can turn it back on for a PgBouncer with `max_prepared_statements`; without
 * `pooler`, the cache turns itself off when a statement goes missing). Session parameters at connect
 * (application_name, statement_timeout, …) are not sent when `pooler` is set (see dialects/postgres/driver.ts), and config
 * rejects pool.statementTimeoutMs / idleInTransactionTimeoutMs with the pooler.
 *
 * @example
 * assertPoolerSafe('SELECT pg_advisory_xact_lock(1)') // fine: released at transaction end
 * assertPoolerSafe('LISTEN jobs') // throws PoolerUnsupportedError
 */
import { PoolerUnsupportedError } from './errors.js'

interface Rule {
  readonly name: string
  readonly pattern: RegExp
  readonly why: string
  readonly instead: string
}

// A statement start: the beginning of the text or after a ';', then whitespace and comments.
const START = String.raw`(?:^|;)(?:\s|--[^\n]*\n|/\*[\s\S]*?\*/)*`

const RULES: readonly Rule[] = [
  {
    name: 'session advisory lock',
    pattern: /\bpg_(?:try_)?advisory_(?:un)?lock(?:_shared|_all)?\s*\(/i,
    why: 'a session-level advisory lock stays on the server connection after the transaction, where another client gets it next',
    instead: 'use pg_advisory_xact_lock() / pg_try_advisory_xact_lock() inside db.scope(), released at commit or rollback',
  },
  {
    name: 'LISTEN/UNLISTEN',
    pattern: new RegExp(`${START}(?:LISTEN|UNLISTEN)\\b`, 'i'),
    why: 'notifications are delivered to a server connection, which the pooler hands to other clients between transactions',
    instead: 'open a direct connection to PostgreSQL (not through PgBouncer) for LISTEN',
  },
  {
    name: 'session SET/RESET',
    pattern: new RegExp(`${START}(?:SET(?!\\s+(?:LOCAL|TRANSACTION|CONSTRAINTS)\\b)|RESET)\\b`, 'i'),
    why: 'a session setting stays on the server connection and leaks into other clients\' transactions',
    instead: "use SET LOCAL inside db.scope() (or set_config(name, value, true)), or ALTER ROLE … SET for a default",
  },
  {
    name: 'PREPARE',
    pattern: new RegExp(`${START}(?:PREPARE(?!\\s+TRANSACTION\\b)|DEALLOCATE)\\b`, 'i'),
    why: 'a named prepared statement lives on one server connection; the next EXECUTE may run on another',
    instead: 'send parameterised queries through Kysely (unnamed statements) instead of PREPARE/EXECUTE',
  },
  {
    name: 'DECLARE … WITH HOLD',
    pattern: new RegExp(`${START}DECLARE\\b[^;]*\\bWITH\\s+HOLD\\b`, 'i'),
    why: 'a holdable cursor outlives its transaction on a server connection the pooler gives away',
    instead: 'declare the cursor WITHOUT HOLD and read it inside one db.scope(), or page with keyset queries',
  },
]

/** Throws PoolerUnsupportedError when `sql` uses a session feature that breaks behind a transaction pooler. */
export function assertPoolerSafe(sql: string): void {
  for (const r of RULES) {
    if (r.pattern.test(sql)) {
      throw new PoolerUnsupportedError(
        `${r.name} is not supported behind a transaction pooler (pooler: 'pgbouncer'): ${r.why}. Instead, ${r.instead}.`,
      )
    }
  }
}
